using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CyberVault.Simulator;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Hosting;

/// <summary>
/// A simulator on HTTPS loopback (system clock, live mode off) and a folder with its CA, a key file and an exporter
/// configuration file that tests rewrite between reloads.
/// </summary>
internal sealed class ReloadEnvironment : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;

    private ReloadEnvironment(CyberVaultSimulator simulator, DirectoryInfo dir)
    {
        Simulator = simulator;
        _dir = dir;
    }

    public CyberVaultSimulator Simulator { get; }

    public string ConfigFile => Path.Combine(_dir.FullName, "exporter.yml");

    public string KeyFile => Path.Combine(_dir.FullName, "api-key");

    public string CaFile => Path.Combine(_dir.FullName, "ca.pem");

    public string Folder => _dir.FullName;

    public static async Task<ReloadEnvironment> StartAsync(CancellationToken ct)
    {
        var key = "cv_reload_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new SimulatorOptions
        {
            HttpsPort = 0,
            HttpPort = -1,
            Scenario = new ScenarioOptions { Live = false },
            ConfigureLogging = logging => logging.ClearProviders(),
        };
        options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Enterprise));
        var simulator = await CyberVaultSimulator.StartAsync(options, ct);
        var environment = new ReloadEnvironment(simulator, Directory.CreateTempSubdirectory("cv-reload-"));
        await File.WriteAllTextAsync(environment.KeyFile, key + "\n", ct);
        await File.WriteAllTextAsync(environment.CaFile, simulator.CaCertificatePem, ct);
        return environment;
    }

    /// <summary>Writes a configuration polling the simulator with one target per name (webhooks for the given ones).</summary>
    public async Task WriteConfigAsync(IEnumerable<string> targets, IEnumerable<string>? webhookTargets = null, CancellationToken ct = default)
    {
        var webhooks = new HashSet<string>(webhookTargets ?? [], StringComparer.Ordinal);
        var yaml = new StringBuilder("targets:\n");
        foreach (var name in targets)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"""
                  - name: {name}
                    base_url: {Simulator.BaseUrl}
                    api_key_file: {KeyFile}
                    tier: enterprise
                    budget_share: 0.1
                    tls:
                      ca_file: {CaFile}
                    polling:
                      status_interval: 1s
                      alerts_interval: 5s

                """);
            if (webhooks.Contains(name))
            {
                var secretFile = Path.Combine(Folder, "secret-" + name);
                await File.WriteAllTextAsync(secretFile, "whsec_reload_" + name, ct);
                yaml.Append(CultureInfo.InvariantCulture, $"""
                        webhook:
                          enabled: true
                          secret_files: [{secretFile}]

                    """);
            }
        }

        await WriteConfigTextAsync(yaml.ToString(), ct);
    }

    public async Task WriteConfigTextAsync(string yaml, CancellationToken ct) => await File.WriteAllTextAsync(ConfigFile, yaml, ct);

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder.
        }
    }
}
