using System.Net;
using System.Net.Http.Headers;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Metrics.PrometheusNet;
using CyberVault.Exporter.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Web;

public class ExporterEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddExporterWeb_registers_the_prometheus_observer_and_its_durations_reach_metrics()
    {
        await using var host = await ExporterWebHost.StartAsync(new FakeSnapshotStore(SampleSnapshots.Full()), ["production"]);
        var observer = host.Services.GetRequiredService<IApiRequestObserver>();

        observer.Observe("production", "alerts", "200", TimeSpan.FromSeconds(2));
        var body = await host.Client.GetStringAsync("/metrics", Ct);

        Assert.IsType<PrometheusApiRequestObserver>(observer);
        Assert.Contains("cybervault_api_request_duration_seconds_count{target=\"production\",endpoint=\"alerts\"} 1\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_answers_200_ok()
    {
        await using var host = await ExporterWebHost.StartAsync(new FakeSnapshotStore(), ["production"]);

        using var response = await host.Client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Readyz_is_503_and_lists_the_targets_without_a_good_status_poll()
    {
        var neverSucceeded = SampleSnapshots.Full("staging") with
        {
            Collectors = SampleSnapshots.Full().Collectors.SetItem(
                "status", new CollectorState(false, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15))),
        };
        var store = new FakeSnapshotStore(SampleSnapshots.Full("production"), neverSucceeded, SampleSnapshots.NoData("dr"));
        await using var host = await ExporterWebHost.StartAsync(store, ["production", "staging", "dr", "lab"]);

        using var response = await host.Client.GetAsync("/readyz", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var listed = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1);
        Assert.Equal(["staging", "dr", "lab"], listed);
    }

    [Fact]
    public async Task Readyz_is_200_once_every_target_had_a_good_status_poll()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full("production"), SampleSnapshots.NoData("staging"));
        await using var host = await ExporterWebHost.StartAsync(store, ["production", "staging"]);
        using var before = await host.Client.GetAsync("/readyz", Ct);

        // A later failure keeps readiness: LastSuccess stays set.
        store.Publish(SampleSnapshots.Full("staging") with { Up = false });
        using var after = await host.Client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task The_landing_page_shows_the_version_the_links_and_each_targets_state_and_budget()
    {
        var time = new FakeTimeProvider(SampleSnapshots.Now.AddSeconds(5));
        var store = new FakeSnapshotStore(SampleSnapshots.Full("production"));
        await using var host = await ExporterWebHost.StartAsync(store, ["production", "staging"], time);

        using var response = await host.Client.GetAsync("/", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Version {BuildInfo.Current.Version}", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"metrics\">/metrics</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"healthz\">/healthz</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"readyz\">/readyz</a>", html, StringComparison.Ordinal);
        Assert.Contains(
            "<tr><td>production</td><td>up</td><td>us-east-1</td><td>degraded</td><td>2026-12-03T12:00:00Z (5 s ago)</td>"
            + "<td>3</td><td>25 s</td><td>30</td><td>12.5</td></tr>",
            html,
            StringComparison.Ordinal);
        Assert.Contains("<tr><td>staging</td><td colspan=\"8\">no data yet</td></tr>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_landing_page_HTML_encodes_a_hostile_region()
    {
        const string Hostile = "<script>alert('x')</script>&\"";
        var store = new FakeSnapshotStore(SampleSnapshots.Full(region: Hostile));
        await using var host = await ExporterWebHost.StartAsync(store, ["production"]);

        var html = await host.Client.GetStringAsync("/", Ct);

        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/openmetrics-text; version=1.0.0")]
    public async Task Metrics_is_served_in_the_Prometheus_text_format(string? accept)
    {
        await using var host = await ExporterWebHost.StartAsync(new FakeSnapshotStore(SampleSnapshots.Full()), ["production"]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        using var response = await host.Client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Contains("cybervault_up{target=\"production\"} 1\n", body, StringComparison.Ordinal);
        Assert.Contains("\nprocess_cpu_seconds_total ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("# EOF", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_answers_503_instead_of_a_half_applied_state_when_rendering_fails()
    {
        var store = new PrometheusMetricsRendererTests.SwitchableStore();
        await using var host = await ExporterWebHost.StartAsync(store, ["production"]);

        using var response = await host.Client.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("cybervault_", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/metrics/extra")]
    [InlineData("/index.html")]
    public async Task Unknown_paths_are_404(string path)
    {
        await using var host = await ExporterWebHost.StartAsync(new FakeSnapshotStore(), ["production"]);

        using var response = await host.Client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_scrapes_each_see_one_whole_snapshot()
    {
        // The store flips every target between two states while 8 clients scrape; every response must show exactly one
        // current system status per target and a threat level that belongs to the same state.
        string[] targets = [.. Enumerable.Range(0, 20).Select(i => $"t{i}")];
        var store = new FakeSnapshotStore();
        await using var host = await ExporterWebHost.StartAsync(store, targets);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var flipper = Task.Run(
            async () =>
            {
                // Bounded; a short pause per flip leaves the CPU to the scrapes while still flipping many times per scrape.
                for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
                {
                    var degraded = i % 2 == 0;
                    foreach (var target in targets)
                    {
                        var snapshot = SampleSnapshots.Full(target, degraded ? "degraded" : "operational");
                        store.Publish(snapshot with { Status = snapshot.Status! with { ThreatLevel = degraded ? 7 : 1 } });
                        await Task.Yield();
                    }
                }
            },
            Ct);

        var scrapes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var bodies = new List<string>();
            for (var i = 0; i < 15; i++)
            {
                bodies.Add(await host.Client.GetStringAsync("/metrics", Ct));
            }

            return bodies;
        }));
        await stop.CancelAsync();
        await flipper;

        Assert.All(scrapes.SelectMany(b => b), body =>
        {
            var lines = body.Split('\n');
            foreach (var target in lines.Where(l => l.StartsWith("cybervault_up{", StringComparison.Ordinal)).Select(l => l[..l.IndexOf('}', StringComparison.Ordinal)]))
            {
                var name = target["cybervault_up{".Length..];
                var current = Assert.Single(lines, l => l.StartsWith($"cybervault_system_status{{{name},", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
                var threat = lines.Single(l => l.StartsWith($"cybervault_threat_level{{{name}}}", StringComparison.Ordinal));
                Assert.Equal(current.Contains("degraded", StringComparison.Ordinal), threat.EndsWith(" 7", StringComparison.Ordinal));
            }
        });
    }
}
