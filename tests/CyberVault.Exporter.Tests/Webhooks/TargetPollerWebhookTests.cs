using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Tests.Polling;

namespace CyberVault.Exporter.Tests.Webhooks;

/// <summary>The poller's webhook seam: alert deltas, early sweeps and webhook counters.</summary>
public class TargetPollerWebhookTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly PollingConfig Polling = new()
    {
        StatusInterval = TimeSpan.FromSeconds(15),
        AlertsInterval = TimeSpan.FromSeconds(60),
        AlertStatuses = ["open"],
        MaxStaleness = TimeSpan.FromMinutes(10),
    };

    private static readonly WebhookConfig Enabled = new() { Enabled = true, Path = "/webhooks/prod", SecretFiles = ["/unused"] };

    [Fact]
    public async Task An_early_sweep_request_starts_a_sweep_after_the_minimum_gap_instead_of_the_alerts_interval()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi();
        var poller = new TargetPoller(TestSupport.Runtime(Target(), time), api, new SnapshotStore(), time);
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);
        try
        {
            await TestSupport.AdvanceAsync(time, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500));
            Assert.Single(api.PageRequests);

            poller.RequestEarlySweep();
            poller.RequestEarlySweep();
            await TestSupport.AdvanceAsync(time, TargetPoller.MinEarlySweepGap - TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(500));
            Assert.Single(api.PageRequests);

            await TestSupport.AdvanceAsync(time, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500));
            Assert.Equal(2, api.PageRequests.Count);

            // Two requests made before that sweep folded into it; without another one the next is the normal interval.
            await TestSupport.AdvanceAsync(time, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(1));
            Assert.Equal(2, api.PageRequests.Count);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task Without_a_request_no_sweep_starts_before_the_alerts_interval()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi();
        var poller = new TargetPoller(TestSupport.Runtime(Target(), time), api, new SnapshotStore(), time);
        using var stop = new CancellationTokenSource();
        var run = poller.RunAsync(stop.Token);
        try
        {
            await TestSupport.AdvanceAsync(time, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(1));
            Assert.Single(api.PageRequests);
            await TestSupport.AdvanceAsync(time, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
            Assert.Equal(2, api.PageRequests.Count);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task A_delta_applied_while_a_sweep_runs_outlives_that_sweep_and_the_next_complete_sweep_drops_it()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi();
        var poller = new TargetPoller(TestSupport.Runtime(Target(), time), api, new SnapshotStore(), time);
        api.Page = (_, _) => FakeApi.Ok(null, FakeApi.Alert("critical", "open"));
        await poller.SweepOnceAsync(Ct);

        Assert.True(poller.ApplyWebhookAlertDelta("critical", "open", +1));
        Assert.Equal(2, poller.BuildSnapshot().Alerts!.Counts[("critical", "open")]);

        // This sweep started after the first delta (it replaces it) but before the second one (which may postdate its pages).
        api.Page = (_, _) =>
        {
            poller.ApplyWebhookAlertDelta("critical", "open", +1);
            return FakeApi.Ok(null, FakeApi.Alert("critical", "open"), FakeApi.Alert("critical", "open"));
        };
        await poller.SweepOnceAsync(Ct);
        Assert.Equal(3, poller.BuildSnapshot().Alerts!.Counts[("critical", "open")]);

        api.Page = (_, _) => FakeApi.Ok(null, FakeApi.Alert("critical", "open"), FakeApi.Alert("critical", "open"));
        await poller.SweepOnceAsync(Ct);
        Assert.Equal(2, poller.BuildSnapshot().Alerts!.Counts[("critical", "open")]);
    }

    [Fact]
    public async Task Deltas_apply_only_to_published_series_and_never_show_a_negative_count()
    {
        var time = TestSupport.NewTime();
        var poller = new TargetPoller(TestSupport.Runtime(Target(), time), new FakeApi(), new SnapshotStore(), time);
        await poller.SweepOnceAsync(Ct);

        Assert.False(poller.ApplyWebhookAlertDelta("critical", "investigating", +1));
        Assert.False(poller.ApplyWebhookAlertDelta("catastrophic", "open", +1));
        Assert.True(poller.ApplyWebhookAlertDelta("HIGH", "Open", -1));

        var counts = poller.BuildSnapshot().Alerts!.Counts;
        Assert.Equal(0, counts[("high", "open")]);
        Assert.DoesNotContain(counts.Keys, k => k.Status == "investigating" || k.Severity == "catastrophic");
    }

    [Fact]
    public void Webhook_counters_are_absent_when_the_webhook_is_disabled_and_start_at_zero_when_enabled()
    {
        var time = TestSupport.NewTime();
        var disabled = new TargetPoller(TestSupport.Runtime(TestSupport.Target(polling: Polling), time), new FakeApi(), new SnapshotStore(), time);
        var enabled = new TargetPoller(TestSupport.Runtime(Target(), time), new FakeApi(), new SnapshotStore(), time);

        disabled.RecordWebhookEvent("alert.created", "accepted", signatureValid: true);

        Assert.Null(disabled.BuildSnapshot().Webhooks);
        Assert.Equal(WebhookStats.Empty, enabled.BuildSnapshot().Webhooks);
    }

    [Fact]
    public void Recorded_events_count_per_event_and_result_and_only_verified_ones_move_the_last_event_time()
    {
        var time = TestSupport.NewTime();
        var poller = new TargetPoller(TestSupport.Runtime(Target(), time), new FakeApi(), new SnapshotStore(), time);

        poller.RecordWebhookEvent("unknown", "invalid_signature", signatureValid: false);
        Assert.Null(poller.BuildSnapshot().Webhooks!.LastEventAt);
        time.Advance(TimeSpan.FromSeconds(3));
        poller.RecordWebhookEvent("compliance.failed", "accepted", signatureValid: true, WebhookFinding.ComplianceFailed);
        poller.RecordWebhookEvent("asset.vulnerable", "accepted", signatureValid: true, WebhookFinding.AssetVulnerable);
        poller.RecordWebhookEvent("asset.vulnerable", "accepted", signatureValid: true, WebhookFinding.AssetVulnerable);

        var stats = poller.BuildSnapshot().Webhooks!;
        Assert.Equal(1, stats.Events[("unknown", "invalid_signature")]);
        Assert.Equal(2, stats.Events[("asset.vulnerable", "accepted")]);
        Assert.Equal(1, stats.ComplianceFailures);
        Assert.Equal(2, stats.AssetVulnerableEvents);
        Assert.Equal(TestSupport.Start.AddSeconds(3), stats.LastEventAt);
    }

    private static TargetConfig Target() => TestSupport.Target(polling: Polling) with { Webhook = Enabled };
}
