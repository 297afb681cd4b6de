using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using CyberVault.Exporter.Configuration;
using CyberVault.Simulator;

namespace CyberVault.Exporter.Hosting;

/// <summary>
/// <c>--demo</c>: the simulator runs in-process in live mode on loopback, and the exporter polls it with a generated
/// configuration, so anyone can see real numbers move without a key, a config file or a network. The demo target's
/// webhook is on: once the exporter listens, the simulator delivers its signed events to it (<see cref="SubscribeExporter"/>)
/// with a secret generated per run and written to a temporary file only the user can read.
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
    private readonly string _secretFile;
    private readonly string _secret;

    private DemoEnvironment(CyberVaultSimulator simulator, string caFile, string secretFile, string secret, ExporterConfig config)
    {
        _simulator = simulator;
        _caFile = caFile;
        _secretFile = secretFile;
        _secret = secret;
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

        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var secretFile = Path.Combine(Path.GetTempPath(), $"cybervault-demo-webhook-secret-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        await WritePrivateFileAsync(secretFile, secret, cancellationToken).ConfigureAwait(false);

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
                    Webhook = new WebhookConfig
                    {
                        Enabled = true,
                        Path = WebhookConfig.DefaultPathFor(TargetName),
                        SecretFiles = [secretFile],
                    },
                },
            ]);
        return new DemoEnvironment(simulator, caFile, secretFile, secret, config);
    }

    /// <summary>Subscribes the simulator to the demo target's webhook on the exporter; returns the webhook URL.</summary>
    /// <param name="serverAddresses">The exporter's bound addresses, e.g. http://127.0.0.1:9878 or http://[::]:9878.</param>
    public Uri SubscribeExporter(IEnumerable<string> serverAddresses)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        var bound = serverAddresses.Select(a => new Uri(a)).FirstOrDefault()
            ?? throw new InvalidOperationException("The exporter is not listening on any address.");
        // An any-address or localhost binding is reachable on IPv4 loopback; a specific address is used as it is.
        var host = bound.Host is "0.0.0.0" or "[::]" or "::" or "localhost" || bound.Host.StartsWith('+') || bound.Host == "*" ? "127.0.0.1" : bound.Host;
        var url = new UriBuilder(Uri.UriSchemeHttp, host, bound.Port, WebhookConfig.DefaultPathFor(TargetName)).Uri;
        _simulator.Webhooks.Subscribe(new WebhookSubscription(url, _secret));
        // The live world raises events only now and then; one delivery right away lets a new user see the
        // webhook series (and the receiver working) within the demo's first seconds rather than minutes.
        _simulator.World.RaiseAssetVulnerable();
        return url;
    }

    /// <summary>Points the simulator at a started exporter's webhook; returns the webhook URL.</summary>
    public Uri SubscribeExporter(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return SubscribeExporter(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
    }

    /// <summary>Creates <paramref name="path"/> readable and writable by the user only (0600) before the secret is written.</summary>
    private static async Task WritePrivateFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _simulator.DisposeAsync().ConfigureAwait(false);
        Environment.SetEnvironmentVariable(KeyVariable, null);
        try
        {
            File.Delete(_secretFile);
            File.Delete(_caFile);
        }
        catch (IOException)
        {
            // A leftover public CA certificate in the temp folder is harmless.
        }
    }
}
