using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Polling;

public class TargetPollerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly PollingConfig Fast = new()
    {
        StatusInterval = TimeSpan.FromSeconds(15),
        AlertsInterval = TimeSpan.FromSeconds(60),
        AlertStatuses = ["open"],
        MaxStaleness = TimeSpan.FromMinutes(2),
    };

    [Theory]
    [InlineData(0, 60)]
    [InlineData(12, 60)]
    [InlineData(26, 60)]
    [InlineData(52, 120)]
    public void The_effective_interval_stretches_when_the_pages_exceed_the_budget(int pages, double expectedSeconds)
    {
        // Starter at half share: 30 rpm, minus 4 status polls a minute = 26 pages a minute.
        var interval = TargetPoller.EffectiveAlertsInterval(TimeSpan.FromSeconds(60), pages, 30, TimeSpan.FromSeconds(15));

        Assert.Equal(expectedSeconds, interval.TotalSeconds, 6);
    }

    [Fact]
    public async Task A_failed_sweep_keeps_the_previous_complete_counts()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi { Page = (_, _) => FakeApi.Ok(null, FakeApi.Alert("high", "open"), FakeApi.Alert("high", "open")) };
        var store = new SnapshotStore();
        var poller = new TargetPoller(TestSupport.Runtime(TestSupport.Target(polling: Fast), time), api, store, time);

        Assert.True((await poller.SweepOnceAsync(Ct)).Success);
        api.Page = (_, cursor) => cursor is null ? FakeApi.Ok("c1", FakeApi.Alert("high", "open")) : ApiResult<AlertsPage>.Failed(new ApiFailure.ServerError(500));
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.False((await poller.SweepOnceAsync(Ct)).Success);

        var snapshot = Assert.Single(store.Current());
        Assert.Equal(2, snapshot.Alerts!.Counts[("high", "open")]);
        Assert.Equal(TestSupport.Start, snapshot.Alerts.CompletedAt);
        Assert.False(snapshot.Collectors[TargetPoller.AlertsCollector].Success);
        Assert.Equal(TestSupport.Start, snapshot.Collectors[TargetPoller.AlertsCollector].LastSuccess);
    }

    [Fact]
    public async Task Data_older_than_max_staleness_is_dropped_from_the_snapshot()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi();
        var store = new SnapshotStore();
        var poller = new TargetPoller(TestSupport.Runtime(TestSupport.Target(polling: Fast), time), api, store, time);
        await poller.PollStatusOnceAsync(Ct);
        await poller.SweepOnceAsync(Ct);
        api.Status = () => ApiResult<StatusResponse>.Failed(new ApiFailure.Network("down"));

        time.Advance(TimeSpan.FromMinutes(2));
        await poller.PollStatusOnceAsync(Ct);
        var atLimit = Assert.Single(store.Current());
        time.Advance(TimeSpan.FromSeconds(1));
        var past = poller.BuildSnapshot();

        Assert.False(atLimit.Up);
        Assert.NotNull(atLimit.Status);
        Assert.NotNull(atLimit.Alerts);
        Assert.Null(past.Status);
        Assert.Null(past.Alerts);
        Assert.Equal(3, atLimit.Status!.ThreatLevel);
    }

    [Fact]
    public async Task A_snapshot_carries_budget_and_request_figures()
    {
        var time = TestSupport.NewTime();
        var runtime = TestSupport.Runtime(TestSupport.Target(polling: Fast), time);
        runtime.Requests.Increment(("status", "200"));
        var poller = new TargetPoller(runtime, new FakeApi(), new SnapshotStore(), time);
        await poller.PollStatusOnceAsync(Ct);

        var snapshot = poller.BuildSnapshot();

        Assert.True(snapshot.Up);
        Assert.Equal(60, snapshot.TierRequestsPerMinute);
        Assert.Equal(30, snapshot.BudgetRequestsPerMinute);
        Assert.Equal(1, snapshot.ApiRequests[("status", "200")]);
        Assert.Equal(new CollectorState(true, TestSupport.Start, TimeSpan.Zero, TimeSpan.FromSeconds(15)), snapshot.Collectors[TargetPoller.StatusCollector]);
        Assert.Equal("operational", snapshot.Status!.SystemStatus);
        Assert.Equal("us-east-1", snapshot.Status.Region);
    }

    [Fact]
    public async Task After_a_401_the_poller_backs_off_exponentially_and_logs_once_per_state_change()
    {
        var time = TestSupport.NewTime();
        var api = new FakeApi
        {
            Status = () => ApiResult<StatusResponse>.Failed(new ApiFailure.Unauthorized(401)),
            Page = (_, _) => ApiResult<AlertsPage>.Failed(new ApiFailure.Unauthorized(401)),
        };
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        var poller = new TargetPoller(TestSupport.Runtime(TestSupport.Target(polling: Fast with { AlertsInterval = TimeSpan.FromHours(1) }), time), api, new SnapshotStore(), time, loggerFactory.CreateLogger("poller"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = poller.RunAsync(stop.Token);
        await TestSupport.AdvanceAsync(time, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(1));
        var during401 = api.StatusCalls;
        api.Status = new FakeApi().Status;
        api.Page = new FakeApi().Page;
        await TestSupport.AdvanceAsync(time, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await run;

        // Status and sweep both hit the 401 at 0 s; then 30, 90 s... (doubling): 12 calls would happen without backoff.
        Assert.InRange(during401, 3, 5);
        var lines = collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Single(lines, l => l.Contains("backing off", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("accepts requests again", StringComparison.Ordinal));
        Assert.True(poller.BuildSnapshot().Up);
    }
}
