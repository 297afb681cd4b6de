using System.Security.Cryptography;
using CyberVault.Exporter.Configuration;
using CyberVault.Simulator;

namespace CyberVault.Exporter.Hosting;

/// <summary>
/// <c>--demo</c>: the simulator runs in-process in live mode on loopback, and the exporter polls it with a generated
/// configuration, so anyone can see real numbers move without a key, a config file or a network.
/// </summary>
internal sealed class DemoEnvironment : IAsyncDisposable
{
    /// <summary>The process-local variable that carries the generated simulator key to the demo target.</summary>
    public const string KeyVariable = "CYBERVAULT_DEMO_API_KEY";

    public const string TargetName = "demo";

    /// <summary>The demo serves on loopback only unless --web.listen-address says otherwise: it is a local trial.</summary>
    public const string ListenAddress = "127.0.0.1:9878";

    private readonly CyberVaultSimulator _simulator;
    private readonly string _caFile;

    private DemoEnvironment(CyberVaultSimulator simulator, string caFile, ExporterConfig config)
    {
        _simulator = simulator;
        _caFile = caFile;
        Config = config;
    }

    public ExporterConfig Config { get; }

    public Uri SimulatorUrl => _simulator.BaseUrl;

    public static async Task<DemoEnvironment> StartAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // A fresh random key each run: the demo never needs (or shows) a real one.
        var key = "cv_demo_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new SimulatorOptions
        {
            HttpsPort = 0,
            HttpPort = -1,
            TimeProvider = timeProvider,
            Scenario = new ScenarioOptions
            {
                Live = true,
                AlertsPerSeverityAndStatus = 60,
                ThreatLevel = 3,
                LiveTickInterval = TimeSpan.FromSeconds(1),
            },
            // The simulator's own request logging would drown the exporter's; the request log still records everything.
            ConfigureLogging = logging => logging.ClearProviders(),
        };
        options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Professional));
        var simulator = await CyberVaultSimulator.StartAsync(options, cancellationToken).ConfigureAwait(false);

        var caFile = Path.Combine(Path.GetTempPath(), $"cybervault-demo-ca-{Environment.ProcessId}.pem");
        await File.WriteAllTextAsync(caFile, simulator.CaCertificatePem, cancellationToken).ConfigureAwait(false);
        Environment.SetEnvironmentVariable(KeyVariable, key);

        var config = new ExporterConfig(
            new WebConfig(ListenAddress),
            [
                new TargetConfig
                {
                    Name = TargetName,
                    BaseUrl = simulator.BaseUrl,
                    ApiKey = new ApiKeySource(null, KeyVariable),
                    Tier = Tier.Professional,
                    BudgetShare = 0.5,
                    TlsCaFile = caFile,
                    Polling = new PollingConfig
                    {
                        StatusInterval = TimeSpan.FromSeconds(5),
                        AlertsInterval = TimeSpan.FromSeconds(15),
                        MaxStaleness = TimeSpan.FromMinutes(2),
                    },
                },
            ]);
        return new DemoEnvironment(simulator, caFile, config);
    }

    public async ValueTask DisposeAsync()
    {
        await _simulator.DisposeAsync().ConfigureAwait(false);
        Environment.SetEnvironmentVariable(KeyVariable, null);
        try
        {
            File.Delete(_caFile);
        }
        catch (IOException)
        {
            // A leftover public CA certificate in the temp folder is harmless.
        }
    }
}
