using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Tests.Polling;
using CyberVault.Exporter.Web;
using CyberVault.Exporter.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Webhooks;

/// <summary>
/// The real webhook endpoint and /metrics on Kestrel at 127.0.0.1 (OS-assigned port), in front of a real
/// <see cref="TargetPoller"/> whose API is scripted (<see cref="FakeApi"/>); the poller's loops do not run, tests
/// call <see cref="TargetPoller.SweepOnceAsync"/> themselves.
/// </summary>
internal sealed class WebhookTestHost : IAsyncDisposable
{
    public const string TargetName = "prod";
    public const string Secret = "whsec_endpoint_test_7d1e";

    private readonly WebApplication _app;
    private readonly DirectoryInfo _dir;

    private WebhookTestHost(WebApplication app, DirectoryInfo dir, FakeTimeProvider time, SnapshotStore store, TargetPoller poller, FakeApi api, Uri address, WebhookConfig webhook)
    {
        _app = app;
        _dir = dir;
        Time = time;
        Store = store;
        Poller = poller;
        Api = api;
        Webhook = webhook;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public FakeTimeProvider Time { get; }

    public SnapshotStore Store { get; }

    public TargetPoller Poller { get; }

    public FakeApi Api { get; }

    public WebhookConfig Webhook { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public static async Task<WebhookTestHost> StartAsync(
        Func<WebhookConfig, WebhookConfig>? webhook = null,
        PollingConfig? polling = null,
        WebhookReceiverOptions? options = null,
        FakeTimeProvider? time = null)
    {
        time ??= TestSupport.NewTime();
        var dir = Directory.CreateTempSubdirectory("cv-wh-host-");
        var secretFile = Path.Combine(dir.FullName, "secret");
        await File.WriteAllTextAsync(secretFile, Secret + "\n", TestContext.Current.CancellationToken);
        var config = new WebhookConfig { Enabled = true, Path = WebhookConfig.DefaultPathFor(TargetName), SecretFiles = [secretFile] };
        config = webhook?.Invoke(config) ?? config;
        var target = TestSupport.Target(name: TargetName, polling: polling) with { Webhook = config };

        var store = new SnapshotStore();
        var api = new FakeApi();
        var poller = new TargetPoller(TestSupport.Runtime(target, time), api, store, time);
        poller.Publish();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ISnapshotStore>(store);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IWebhookTargets>(new FixedTargets(poller));
        if (options is not null)
        {
            builder.Services.AddSingleton(options);
        }

        builder.Services.AddExporterWeb([TargetName]);
        builder.Services.AddExporterWebhooks(new ExporterConfig(new WebConfig(WebConfig.DefaultListenAddress), [target]));
        var app = builder.Build();
        app.MapExporterEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new WebhookTestHost(app, dir, time, store, poller, api, new Uri(address), config);
    }

    /// <summary>A body in the simulator's envelope.</summary>
    public static string Event(string type, string id, string? data = null) =>
        $$"""{"id":"{{id}}","type":"{{type}}","created_at":"2026-01-05T10:00:00Z","data":{{data ?? "{}"}}}""";

    public static string AlertData(string severity, string status, string id = "alt_000000000001") =>
        $$"""{"id":"{{id}}","severity":"{{severity}}","type":"custom","asset_id":"srv_1","created_at":"2026-01-05T10:00:00Z","status":"{{status}}"}""";

    public static string Sign(byte[] body, string secret = Secret) => WebhookSignature.Sign(body, Encoding.UTF8.GetBytes(secret));

    /// <summary>POSTs <paramref name="body"/> signed with <paramref name="secret"/> (or with the given header, or none).</summary>
    public Task<HttpResponseMessage> PostAsync(string body, string? secret = Secret, string? signatureHeader = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return PostBytesAsync(bytes, signatureHeader ?? (secret is null ? null : Sign(bytes, secret)));
    }

    public async Task<HttpResponseMessage> PostBytesAsync(byte[] body, string? signatureHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook.Path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signatureHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, signatureHeader);
        }

        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<string> MetricsAsync() => await Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

    /// <summary>The value of one exact series in /metrics, or null when absent.</summary>
    public async Task<double?> MetricAsync(string series) => Value(await MetricsAsync(), series);

    public static double? Value(string metricsText, string series)
    {
        foreach (var line in metricsText.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public static string Events(string @event, string result) =>
        $"cybervault_webhook_events_total{{target=\"{TargetName}\",event=\"{@event}\",result=\"{result}\"}}";

    public static string Alerts(string severity, string status) =>
        $"cybervault_alerts{{target=\"{TargetName}\",severity=\"{severity}\",status=\"{status}\"}}";

    /// <summary>Scripts the API so a sweep finds <paramref name="perSeverityAndStatus"/> alerts of every severity in every polled status.</summary>
    public async Task SweepWithAsync(int perSeverityAndStatus)
    {
        Api.Page = (status, _) => FakeApi.Ok(null, [.. AlertSweeper.KnownSeverities.SelectMany(sev => Enumerable.Range(0, perSeverityAndStatus).Select(_ => FakeApi.Alert(sev, status)))]);
        var result = await Poller.SweepOnceAsync(TestContext.Current.CancellationToken);
        Assert.True(result.Success);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private sealed class FixedTargets(TargetPoller poller) : IWebhookTargets
    {
        public TargetPoller? Find(string target) => target == poller.Target ? poller : null;
    }
}
