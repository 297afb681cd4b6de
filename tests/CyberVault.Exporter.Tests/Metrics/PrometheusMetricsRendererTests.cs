using System.Collections.Immutable;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Metrics.PrometheusNet;

namespace CyberVault.Exporter.Tests.Metrics;

public class PrometheusMetricsRendererTests
{
    [Fact]
    public async Task A_full_snapshot_renders_the_exact_expected_lines()
    {
        var scrape = new Scrape(new FakeSnapshotStore(SampleSnapshots.Full()));

        var lines = await scrape.SamplesAsync();

        string[] expected =
        [
            """cybervault_up{target="production"} 1""",
            """cybervault_threat_level{target="production"} 3""",
            """cybervault_active_alerts{target="production"} 17""",
            $$"""cybervault_last_scan_timestamp_seconds{target="production"} {{SampleSnapshots.NowUnixSeconds - 1800}}""",
            """cybervault_system_status{target="production",status="operational"} 0""",
            """cybervault_system_status{target="production",status="degraded"} 1""",
            """cybervault_system_status{target="production",status="maintenance"} 0""",
            """cybervault_info{target="production",region="us-east-1"} 1""",
            """cybervault_alerts{target="production",severity="critical",status="open"} 2""",
            """cybervault_alerts{target="production",severity="high",status="investigating"} 5""",
            """cybervault_alerts{target="production",severity="low",status="open"} 0""",
            """cybervault_rate_limit_remaining{target="production"} 42""",
            """cybervault_rate_limit_burst{target="production"} 100""",
            $$"""cybervault_rate_limit_reset_timestamp_seconds{target="production"} {{SampleSnapshots.NowUnixSeconds + 30}}""",
            """cybervault_rate_limit_requests_per_minute{target="production"} 60""",
            """cybervault_budget_requests_per_minute{target="production"} 30""",
            """cybervault_budget_wait_seconds_total{target="production"} 12.5""",
            """cybervault_api_requests_total{target="production",endpoint="alerts",code="429"} 1""",
            """cybervault_api_requests_total{target="production",endpoint="status",code="200"} 10""",
            """cybervault_collector_success{target="production",collector="alerts"} 0""",
            """cybervault_collector_success{target="production",collector="status"} 1""",
            $$"""cybervault_collector_last_success_timestamp_seconds{target="production",collector="status"} {{SampleSnapshots.NowUnixSeconds}}""",
            """cybervault_collector_duration_seconds{target="production",collector="status"} 0.25""",
            """cybervault_collector_interval_seconds{target="production",collector="alerts"} 120""",
            """cybervault_exporter_build_info{version="1.2.3",revision="abc123",runtime=".NET 10.0.0"} 1""",
        ];
        Assert.All(expected, line => Assert.Contains(line, lines));
        // The engine zero-fills 4 severities × 2 polled statuses; all of them are rendered.
        Assert.Equal(8, (await scrape.SamplesAsync(MetricCatalogue.Alerts)).Count);
        Assert.Equal(3, (await scrape.SamplesAsync(MetricCatalogue.SystemStatus)).Count);
    }

    [Fact]
    public async Task Help_and_type_lines_come_from_the_catalogue()
    {
        var scrape = new Scrape(new FakeSnapshotStore(SampleSnapshots.Full()));

        var text = await scrape.TextAsync();

        Assert.Contains($"# HELP cybervault_api_requests_total {MetricCatalogue.ApiRequests.Help}\n# TYPE cybervault_api_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE cybervault_api_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE cybervault_up gauge\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_without_data_has_only_up_the_budget_and_the_tier_limit()
    {
        var scrape = new Scrape(new FakeSnapshotStore(SampleSnapshots.NoData("staging")));

        var lines = await scrape.SamplesAsync();

        Assert.Equal(
            [
                """cybervault_budget_requests_per_minute{target="staging"} 30""",
                """cybervault_budget_wait_seconds_total{target="staging"} 0""",
                """cybervault_rate_limit_requests_per_minute{target="staging"} 60""",
                """cybervault_up{target="staging"} 0""",
            ],
            lines.Where(l => l.Contains("target=\"staging\"", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Series_whose_data_became_null_disappear_while_up_stays()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full());
        var scrape = new Scrape(store);
        Assert.NotEmpty(await scrape.SamplesAsync(MetricCatalogue.ThreatLevel));

        store.Publish(SampleSnapshots.Full() with
        {
            Up = false,
            Status = null,
            Alerts = null,
            RateLimit = new RateLimitSample(7, null, null, SampleSnapshots.Now),
        });
        var lines = await scrape.SamplesAsync();

        Assert.Contains("""cybervault_up{target="production"} 0""", lines);
        Assert.Contains("""cybervault_rate_limit_remaining{target="production"} 7""", lines);
        MetricDescriptor[] gone =
        [
            MetricCatalogue.ThreatLevel, MetricCatalogue.ActiveAlerts, MetricCatalogue.LastScanTimestamp,
            MetricCatalogue.SystemStatus, MetricCatalogue.Info, MetricCatalogue.Alerts,
            MetricCatalogue.RateLimitBurst, MetricCatalogue.RateLimitResetTimestamp,
        ];
        Assert.All(gone, metric => Assert.DoesNotContain(lines, l => l.StartsWith(metric.Name + "{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_status_without_a_last_scan_has_no_last_scan_series()
    {
        var full = SampleSnapshots.Full();
        var scrape = new Scrape(new FakeSnapshotStore(full with { Status = full.Status! with { LastScan = null } }));

        Assert.Empty(await scrape.SamplesAsync(MetricCatalogue.LastScanTimestamp));
        Assert.NotEmpty(await scrape.SamplesAsync(MetricCatalogue.ThreatLevel));
    }

    [Fact]
    public async Task Every_series_of_a_removed_target_disappears_at_the_next_scrape()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full("production"), SampleSnapshots.Full("staging"));
        var scrape = new Scrape(store);
        Assert.Contains(await scrape.SamplesAsync(), l => l.Contains("target=\"staging\"", StringComparison.Ordinal));

        store.Remove("staging");
        var lines = await scrape.SamplesAsync();

        Assert.DoesNotContain(lines, l => l.Contains("target=\"staging\"", StringComparison.Ordinal));
        Assert.Contains("""cybervault_up{target="production"} 1""", lines);
    }

    [Fact]
    public async Task An_alert_severity_that_went_away_is_removed()
    {
        var full = SampleSnapshots.Full();
        var store = new FakeSnapshotStore(full with
        {
            Alerts = full.Alerts! with { Counts = full.Alerts.Counts.Add(("Emergency!", "open"), 4) },
        });
        var scrape = new Scrape(store);
        Assert.Contains("""cybervault_alerts{target="production",severity="emergency_",status="open"} 4""", await scrape.SamplesAsync());

        store.Publish(full);
        var alerts = await scrape.SamplesAsync(MetricCatalogue.Alerts);

        Assert.DoesNotContain(alerts, l => l.Contains("emergency", StringComparison.Ordinal));
        Assert.Equal(8, alerts.Count);
    }

    [Fact]
    public async Task An_unknown_system_status_gets_its_own_sanitised_series_and_the_known_ones_are_0()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full(systemStatus: "Under Attack"));
        var scrape = new Scrape(store);

        Assert.Equal(
            [
                """cybervault_system_status{target="production",status="degraded"} 0""",
                """cybervault_system_status{target="production",status="maintenance"} 0""",
                """cybervault_system_status{target="production",status="operational"} 0""",
                """cybervault_system_status{target="production",status="under_attack"} 1""",
            ],
            (await scrape.SamplesAsync(MetricCatalogue.SystemStatus)).Order(StringComparer.Ordinal));

        store.Publish(SampleSnapshots.Full(systemStatus: "operational"));

        Assert.Equal(
            [
                """cybervault_system_status{target="production",status="degraded"} 0""",
                """cybervault_system_status{target="production",status="maintenance"} 0""",
                """cybervault_system_status{target="production",status="operational"} 1""",
            ],
            (await scrape.SamplesAsync(MetricCatalogue.SystemStatus)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Unknown_system_statuses_beyond_the_bound_are_rendered_as_other()
    {
        var store = new FakeSnapshotStore();
        var scrape = new Scrape(store);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < BoundedLabel.MaxUnknownValues + 5; i++)
        {
            store.Publish(SampleSnapshots.Full(systemStatus: $"weird{i}"));
            var current = Assert.Single(
                await scrape.SamplesAsync(MetricCatalogue.SystemStatus),
                l => l.EndsWith(" 1", StringComparison.Ordinal));
            seen.Add(current);
        }

        Assert.Equal(BoundedLabel.MaxUnknownValues + 1, seen.Count);
        Assert.Contains("""cybervault_system_status{target="production",status="weird0"} 1""", seen);
        Assert.Contains("""cybervault_system_status{target="production",status="other"} 1""", seen);
        Assert.DoesNotContain("""cybervault_system_status{target="production",status="weird20"} 1""", seen);
    }

    [Fact]
    public async Task Counters_follow_the_snapshot_and_restart_when_the_source_restarted()
    {
        var full = SampleSnapshots.Full();
        var store = new FakeSnapshotStore(full);
        var scrape = new Scrape(store);
        Assert.Contains("""cybervault_api_requests_total{target="production",endpoint="status",code="200"} 10""", await scrape.SamplesAsync());

        store.Publish(full with { ApiRequests = full.ApiRequests.SetItem(("status", "200"), 15), BudgetWaitSecondsTotal = 20 });
        var raised = await scrape.SamplesAsync();
        store.Publish(full with { ApiRequests = full.ApiRequests.SetItem(("status", "200"), 3), BudgetWaitSecondsTotal = 1 });
        var restarted = await scrape.SamplesAsync();

        Assert.Contains("""cybervault_api_requests_total{target="production",endpoint="status",code="200"} 15""", raised);
        Assert.Contains("""cybervault_budget_wait_seconds_total{target="production"} 20""", raised);
        Assert.Contains("""cybervault_api_requests_total{target="production",endpoint="status",code="200"} 3""", restarted);
        Assert.Contains("""cybervault_budget_wait_seconds_total{target="production"} 1""", restarted);
    }

    [Fact]
    public async Task A_changed_region_replaces_the_info_series()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full(region: "us-east-1"));
        var scrape = new Scrape(store);
        await scrape.SamplesAsync();

        store.Publish(SampleSnapshots.Full(region: "eu-west-1"));

        Assert.Equal(
            ["""cybervault_info{target="production",region="eu-west-1"} 1"""],
            await scrape.SamplesAsync(MetricCatalogue.Info));
    }

    [Fact]
    public async Task Label_values_from_the_API_are_escaped_and_bounded()
    {
        var hostile = "a\"b\\c\nd" + new string('x', 500);
        var scrape = new Scrape(new FakeSnapshotStore(SampleSnapshots.Full(region: hostile)));

        var info = Assert.Single(await scrape.SamplesAsync(MetricCatalogue.Info));

        var expectedRegion = "a\\\"b\\\\c\\nd" + new string('x', MetricCatalogue.MaxRegionLength - 7);
        Assert.Equal($$"""cybervault_info{target="production",region="{{expectedRegion}}"} 1""", info);
    }

    [Fact]
    public async Task Durations_observed_live_land_in_the_histogram_buckets()
    {
        var scrape = new Scrape(new FakeSnapshotStore(SampleSnapshots.Full()));
        var observer = new PrometheusApiRequestObserver(scrape.Renderer);

        observer.Observe("production", "status", "200", TimeSpan.FromMilliseconds(300));
        observer.Observe("production", "status", "503", TimeSpan.FromSeconds(12));
        var lines = await scrape.SamplesAsync(MetricCatalogue.ApiRequestDuration);

        Assert.Contains("""cybervault_api_request_duration_seconds_bucket{target="production",endpoint="status",le="0.25"} 0""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_bucket{target="production",endpoint="status",le="0.5"} 1""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_bucket{target="production",endpoint="status",le="30"} 2""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_bucket{target="production",endpoint="status",le="+Inf"} 2""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_sum{target="production",endpoint="status"} 12.3""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_count{target="production",endpoint="status"} 2""", lines);
    }

    [Fact]
    public async Task Duration_series_of_a_target_gone_from_the_store_are_removed_after_a_second_scrape()
    {
        var store = new FakeSnapshotStore(SampleSnapshots.Full("production"), SampleSnapshots.Full("staging"));
        var scrape = new Scrape(store);
        var observer = new PrometheusApiRequestObserver(scrape.Renderer);
        observer.Observe("production", "status", "200", TimeSpan.FromSeconds(1));
        observer.Observe("staging", "alerts", "200", TimeSpan.FromSeconds(1));
        await scrape.SamplesAsync();

        store.Remove("staging");
        var first = await scrape.SamplesAsync(MetricCatalogue.ApiRequestDuration);
        var second = await scrape.SamplesAsync(MetricCatalogue.ApiRequestDuration);

        // One scrape of grace (see the renderer), then gone; the other target is untouched.
        Assert.Contains(first, l => l.Contains("target=\"staging\"", StringComparison.Ordinal));
        Assert.DoesNotContain(second, l => l.Contains("target=\"staging\"", StringComparison.Ordinal));
        Assert.Contains("""cybervault_api_request_duration_seconds_count{target="production",endpoint="status"} 1""", second);
    }

    [Fact]
    public async Task A_target_that_observes_before_its_first_snapshot_keeps_its_durations()
    {
        var store = new FakeSnapshotStore();
        var scrape = new Scrape(store);
        var observer = new PrometheusApiRequestObserver(scrape.Renderer);

        observer.Observe("production", "status", "200", TimeSpan.FromSeconds(1));
        await scrape.SamplesAsync();
        store.Publish(SampleSnapshots.Full());
        var lines = await scrape.SamplesAsync(MetricCatalogue.ApiRequestDuration);
        var later = await scrape.SamplesAsync(MetricCatalogue.ApiRequestDuration);

        Assert.Contains("""cybervault_api_request_duration_seconds_count{target="production",endpoint="status"} 1""", lines);
        Assert.Contains("""cybervault_api_request_duration_seconds_count{target="production",endpoint="status"} 1""", later);
    }

    [Fact]
    public async Task A_render_that_throws_is_recorded_as_failed_and_the_next_good_one_clears_it()
    {
        var store = new SwitchableStore();
        var scrape = new Scrape(store);

        await scrape.TextAsync();
        Assert.True(scrape.Renderer.LastRenderFailed);

        store.Inner = new FakeSnapshotStore(SampleSnapshots.Full());
        await scrape.TextAsync();
        Assert.False(scrape.Renderer.LastRenderFailed);
    }

    [Fact]
    public async Task Build_info_is_rendered_from_the_exporter_status()
    {
        var scrape = new Scrape(new FakeSnapshotStore(), BuildInfo.Parse("0.1.0+0123abc", ".NET 10.0.1"));

        Assert.Equal(
            ["""cybervault_exporter_build_info{version="0.1.0",revision="0123abc",runtime=".NET 10.0.1"} 1"""],
            await scrape.SamplesAsync(MetricCatalogue.BuildInformation));
    }

    /// <summary>A store whose Current() throws until a real store is put in.</summary>
    internal sealed class SwitchableStore : ISnapshotStore
    {
        public ISnapshotStore? Inner { get; set; }

        public void Publish(TargetSnapshot snapshot) => throw new NotSupportedException();

        public void Remove(string target) => throw new NotSupportedException();

        public IReadOnlyList<TargetSnapshot> Current() =>
            Inner?.Current() ?? throw new InvalidOperationException("store broken on purpose");
    }
}
