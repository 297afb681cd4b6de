using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Tests.Support;
using CyberVault.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.EndToEnd;

/// <summary>
/// The whole monitoring path as a user deploys it, on 127.0.0.1: the simulator (HTTPS, live mode off so the tests
/// decide what happens), the exporter host exactly as the command line builds it, with its webhook subscribed,
/// the real <c>prometheus</c> loading <c>deploy/prometheus/cybervault-alerts.yml</c> (with shortened <c>for:</c>, see
/// <see cref="ShortenedFor"/>) and scraping every second, and the real <c>prometheus-alertmanager</c> running the
/// shipped <c>deploy/alertmanager/alertmanager.yml</c>.
/// Both servers get temporary data folders and are killed at the end.
/// </summary>
public sealed partial class MonitoringPipeline : IAsyncLifetime
{
    public const string TargetName = "e2e";

    /// <summary>The scrape job of <c>deploy/prometheus/prometheus.yml</c>; the rules match on it.</summary>
    public const string JobName = "cybervault";

    public const string PrometheusBinary = "/usr/bin/prometheus";
    public const string AlertmanagerBinary = "/usr/bin/prometheus-alertmanager";

    /// <summary>How often Prometheus scrapes and evaluates rules here (production uses 15 s; tests cannot wait that long).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Every <c>for:</c> of the shipped rules is replaced by this in the copy Prometheus loads here: the production
    /// durations (minutes, for 15 s scrapes) would keep alerts pending longer than a test may wait. The expressions,
    /// labels and annotations are the shipped ones; <c>promtool test rules</c> covers the real durations.
    /// </summary>
    public const string ShortenedFor = "1s";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private DirectoryInfo? _dir;
    private WebApplication? _exporter;
    private CyberVaultSimulator? _simulator;
    private ExternalServer? _prometheus;
    private ExternalServer? _alertmanager;

    public CyberVaultSimulator Simulator => _simulator ?? throw new InvalidOperationException(Missing);

    public ExternalServer Prometheus => _prometheus ?? throw new InvalidOperationException(Missing);

    public ExternalServer Alertmanager => _alertmanager ?? throw new InvalidOperationException(Missing);

    public Uri ExporterAddress { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Why the pipeline did not start (a program is missing), or null.</summary>
    public string? Missing { get; private set; }

    /// <summary>Fails (CI=true) or skips the calling test when prometheus or alertmanager is not installed.</summary>
    public void Require()
    {
        ExternalTool.Require(PrometheusBinary, "prometheus");
        ExternalTool.Require(AlertmanagerBinary, "prometheus-alertmanager");
        Assert.True(Missing is null, Missing);
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(PrometheusBinary) || !File.Exists(AlertmanagerBinary))
        {
            Missing = $"{PrometheusBinary} or {AlertmanagerBinary} is missing";
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        _dir = Directory.CreateTempSubdirectory("cv-e2e-");
        await StartSimulatorAndExporterAsync(ct);

        var alertmanagerPort = ExternalServer.FreeLoopbackPort();
        _alertmanager = await ExternalServer.StartAsync(
            "alertmanager",
            AlertmanagerBinary,
            [
                "--config.file=" + Repository.PathOf("deploy", "alertmanager", "alertmanager.yml"),
                "--storage.path=" + Folder("alertmanager"),
                $"--web.listen-address=127.0.0.1:{alertmanagerPort}",
                // A single instance: no gossip listener on any address.
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            alertmanagerPort,
            "/-/ready",
            StartTimeout,
            ct);

        var prometheusPort = ExternalServer.FreeLoopbackPort();
        var rulesFile = Path.Combine(_dir.FullName, "cybervault-alerts.yml");
        var rules = await File.ReadAllTextAsync(Repository.PathOf("deploy", "prometheus", "cybervault-alerts.yml"), ct);
        await File.WriteAllTextAsync(rulesFile, ForDuration().Replace(rules, "${key}" + ShortenedFor), ct);
        var configFile = Path.Combine(_dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, PrometheusConfig(alertmanagerPort, rulesFile), ct);
        _prometheus = await ExternalServer.StartAsync(
            "prometheus",
            PrometheusBinary,
            [
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + Folder("prometheus"),
                $"--web.listen-address=127.0.0.1:{prometheusPort}",
                "--log.level=warn",
            ],
            prometheusPort,
            "/-/ready",
            StartTimeout,
            ct);

        // Everything a dashboard panel shows must exist at least once: a 429 (honoured, Retry-After 1 s), webhook
        // deliveries of each kind, and a fresh critical alert for the overview's alert panels.
        Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(1)));
        Simulator.World.RaiseAssetVulnerable();
        Simulator.World.RaiseComplianceFailed();
        Simulator.World.AddAlert("critical", "open");
    }

    private async Task StartSimulatorAndExporterAsync(CancellationToken ct)
    {
        var key = "cv_e2e_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new SimulatorOptions
        {
            HttpsPort = 0,
            HttpPort = -1,
            Scenario = new ScenarioOptions { Live = false, ThreatLevel = 2, AlertsPerSeverityAndStatus = 2 },
            ConfigureLogging = logging => logging.ClearProviders(),
        };
        options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Enterprise));
        _simulator = await CyberVaultSimulator.StartAsync(options, ct);

        var keyFile = Path.Combine(_dir!.FullName, "api-key");
        var caFile = Path.Combine(_dir.FullName, "simulator-ca.pem");
        var secretFile = Path.Combine(_dir.FullName, "webhook-secret");
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(keyFile, key + "\n", ct);
        await File.WriteAllTextAsync(caFile, Simulator.CaCertificatePem, ct);
        await File.WriteAllTextAsync(secretFile, secret, ct);

        var config = new ExporterConfig(
            new WebConfig("127.0.0.1:0"),
            [
                new TargetConfig
                {
                    Name = TargetName,
                    BaseUrl = Simulator.BaseUrl,
                    ApiKey = new ApiKeySource(keyFile, null),
                    Tier = Tier.Enterprise,
                    BudgetShare = 0.25,
                    TlsCaFile = caFile,
                    Polling = new PollingConfig
                    {
                        StatusInterval = TimeSpan.FromSeconds(1),
                        AlertsInterval = TimeSpan.FromSeconds(5),
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
        var commandLine = new CommandLineOptions { ListenAddress = ListenEndpoint.Parse("127.0.0.1:0") };
        _exporter = ExporterHost.Build(commandLine, config, services => services.RemoveAll<ILoggerProvider>());
        await _exporter.StartAsync(ct);
        ExporterAddress = new Uri(_exporter.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Simulator.Webhooks.Subscribe(new WebhookSubscription(new Uri(ExporterAddress, WebhookConfig.DefaultPathFor(TargetName)), secret));
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir!.FullName, name)).FullName;

    private string PrometheusConfig(int alertmanagerPort, string rulesFile) => $"""
        global:
          scrape_interval: {Interval.TotalSeconds}s
          evaluation_interval: {Interval.TotalSeconds}s
        rule_files:
          - "{rulesFile}"
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ["127.0.0.1:{alertmanagerPort}"]
        scrape_configs:
          - job_name: {JobName}
            static_configs:
              - targets: ["{ExporterAddress.Authority}"]
        """;

    /// <summary>Runs an instant query; throws with Prometheus' error text when the query is refused.</summary>
    public async Task<IReadOnlyList<Sample>> QueryAsync(string promql, CancellationToken ct)
    {
        var uri = new Uri(Prometheus.BaseAddress, "api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var response = await Http.GetAsync(uri, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (response.StatusCode != HttpStatusCode.OK || root.GetProperty("status").GetString() != "success")
        {
            throw new PromQlException($"{promql}: {(root.TryGetProperty("error", out var error) ? error.GetString() : body)}");
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() switch
        {
            "vector" => [.. result.EnumerateArray().Select(s => new Sample(Labels(s.GetProperty("metric")), Number(s.GetProperty("value")[1])))],
            "scalar" => [new Sample(new Dictionary<string, string>(), Number(result[1]))],
            var other => throw new PromQlException($"{promql}: unexpected result type {other}"),
        };
    }

    /// <summary>The alerts Alertmanager holds now (active, suppressed or unprocessed; resolved ones are gone).</summary>
    public async Task<IReadOnlyList<AmAlert>> AlertmanagerAlertsAsync(CancellationToken ct)
    {
        var body = await Http.GetStringAsync(new Uri(Alertmanager.BaseAddress, "api/v2/alerts"), ct);
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.EnumerateArray().Select(a => new AmAlert(
            a.GetProperty("fingerprint").GetString() ?? "",
            Labels(a.GetProperty("labels")),
            a.GetProperty("status").GetProperty("state").GetString() ?? "",
            [.. a.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray().Select(i => i.GetString() ?? "")]))];
    }

    /// <summary>Prometheus' view of its rule groups: each rule's name, health and last error.</summary>
    public async Task<IReadOnlyList<RuleState>> RulesAsync(CancellationToken ct)
    {
        var body = await Http.GetStringAsync(new Uri(Prometheus.BaseAddress, "api/v1/rules"), ct);
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => new RuleState(
                r.GetProperty("name").GetString() ?? "",
                r.GetProperty("health").GetString() ?? "",
                r.TryGetProperty("lastError", out var e) ? e.GetString() ?? "" : "",
                r.TryGetProperty("state", out var s) ? s.GetString() ?? "" : ""))];
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a non-null value or <paramref name="timeout"/> passes.</summary>
    public static async Task<T?> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, CancellationToken ct)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (value is not null || DateTime.UtcNow >= deadline)
            {
                return value;
            }

            await Task.Delay(Interval / 2, ct);
        }
    }

    /// <summary>The last lines of both servers, for assertion messages.</summary>
    public string Diagnostics() =>
        new StringBuilder()
            .Append("--- prometheus ---\n").Append(_prometheus?.RecentOutput)
            .Append("\n--- alertmanager ---\n").Append(_alertmanager?.RecentOutput)
            .ToString();

    // A rule's `for: <duration>` line.
    [GeneratedRegex(@"^(?<key>[ \t]*for:[ \t]*)\S+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex ForDuration();

    private static Dictionary<string, string> Labels(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);

    private static double Number(JsonElement element) => element.GetString() switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var s => double.Parse(s!, CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        // Prometheus first (it scrapes the exporter and feeds Alertmanager), the simulator last (the exporter polls it).
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_alertmanager is not null)
        {
            await _alertmanager.DisposeAsync();
        }

        if (_exporter is not null)
        {
            await _exporter.StopAsync(CancellationToken.None);
            await _exporter.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        try
        {
            _dir?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing its data folder; the OS cleans the temp folder.
        }
    }
}

public sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value);

public sealed record AmAlert(string Fingerprint, IReadOnlyDictionary<string, string> Labels, string State, IReadOnlyList<string> InhibitedBy)
{
    public string Name => Labels.TryGetValue("alertname", out var name) ? name : "";
}

public sealed record RuleState(string Name, string Health, string LastError, string State);

public sealed class PromQlException(string message) : Exception(message);
