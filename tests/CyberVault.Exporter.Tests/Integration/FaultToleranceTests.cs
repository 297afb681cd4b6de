using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Simulator;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Integration;

/// <summary>
/// Each fault against the running poller (fake time, the simulator on HTTPS loopback behind a forwarder that can
/// refuse connections or present a foreign certificate): no crash, the last good values stay until max_staleness
/// and then go, nothing partial is published, the budget is never exceeded, one log line per state change, and
/// recovery once the fault ends.
/// </summary>
public class FaultToleranceTests
{
    private const int CollectorFailedEvent = 3200;
    private const int TargetBlockedEvent = 3202;
    private const int TargetUnblockedEvent = 3203;
    private const int CollectorRecoveredEvent = 3201;

    private static readonly TimeSpan MaxStaleness = TimeSpan.FromMinutes(3);

    /// <summary>Starter (60/min) at budget_share 0.5.</summary>
    private const int BudgetPerMinute = 30;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, bool> Faults => new()
    {
        // fault, reason counted, whether the status collector is hit too (a repeated cursor only breaks sweeps)
        { "server_error", "server_error", true },
        { "slow_past_the_timeout", "timeout", true },
        { "non_json_body", "malformed", true },
        { "truncated_body", "network", true },
        { "429_storm", "rate_limited", true },
        { "repeating_cursor", "pagination", false },
        { "connection_refused", "network", true },
        { "unknown_ca", "tls", true },
        { "revoked_key", "unauthorized", true },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task The_last_good_values_stay_until_max_staleness_nothing_partial_is_published_the_budget_holds_and_polling_recovers(
        string fault, string reason, bool statusHit)
    {
        await using var h = await SimulatorHarness.StartAsync(s =>
        {
            s.ThreatLevel = 6;
            // Three pages of open alerts: a sweep broken after its first page would show 200 of 450 if partial counts leaked.
            s.AlertCounts[("low", "open")] = 450;
        });
        await using var forwarder = LoopbackForwarder.Start(h.Simulator.BaseUrl);
        var polling = new PollingConfig { MaxStaleness = MaxStaleness, AlertsInterval = TimeSpan.FromSeconds(60) };
        var (poller, runtime) = h.Poller(h.Target(polling, baseUrl: forwarder.Rebase(h.Simulator.BaseUrl)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = poller.RunAsync(stop.Token);

        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var good = poller.BuildSnapshot();
        Assert.True(good.Up);
        Assert.Equal(6, good.Status!.ThreatLevel);
        Assert.Equal(450, good.Alerts!.Counts[("low", "open")]);

        Begin(fault, h, forwarder);
        // The truth moves on while the fault lasts: only a complete, fresh answer may show it.
        h.Simulator.World.ThreatLevel = 9;
        h.Simulator.World.AddAlert("low", "open");
        var logsBefore = h.Logs.Count;

        await h.AdvanceAsync(TimeSpan.FromMinutes(2), step: TimeSpan.FromSeconds(1));
        var during = poller.BuildSnapshot();
        Assert.Same(good.Alerts, during.Alerts);
        Assert.Equal(statusHit, !during.Up);
        if (statusHit)
        {
            Assert.Same(good.Status, during.Status);
        }

        await h.AdvanceAsync(TimeSpan.FromMinutes(2), step: TimeSpan.FromSeconds(1));
        var stale = poller.BuildSnapshot();
        Assert.Null(stale.Alerts);
        if (statusHit)
        {
            Assert.Null(stale.Status);
            Assert.False(stale.Up);
        }

        var duringFault = h.Logs.GetSnapshot().Skip(logsBefore).ToList();
        End(fault, h, forwarder);
        await h.AdvanceAsync(TimeSpan.FromMinutes(6), step: TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await run;

        var recovered = poller.BuildSnapshot();
        Assert.True(recovered.Up);
        Assert.Equal(9, recovered.Status!.ThreatLevel);
        Assert.Equal(451, recovered.Alerts!.Counts[("low", "open")]);

        // Counted, and never as a crash.
        var failures = runtime.Failures.Snapshot();
        Assert.True(failures.GetValueOrDefault((TargetPoller.AlertsCollector, reason)) > 0, $"no alerts failure counted as {reason}: {string.Join(", ", failures)}");
        Assert.Equal(statusHit, failures.GetValueOrDefault((TargetPoller.StatusCollector, reason)) > 0);
        Assert.DoesNotContain(failures.Keys, k => k.Reason == TargetPoller.InternalReason);
        Assert.DoesNotContain(h.Logs.GetSnapshot(), r => r.Exception is not null);

        // One line per change of state, not per attempt: at most one failure line per collector (or one for the blocked target).
        var failureLines = duringFault.Where(r => r.Id.Id is CollectorFailedEvent or TargetBlockedEvent).ToList();
        Assert.InRange(failureLines.Count, 1, 2);
        Assert.True(failureLines.Count == failureLines.Select(r => r.Message).Distinct(StringComparer.Ordinal).Count());
        var recoveryLines = h.Logs.GetSnapshot().Where(r => r.Id.Id is CollectorRecoveredEvent or TargetUnblockedEvent).ToList();
        Assert.Equal(failureLines.Count, recoveryLines.Count);

        // The budget: what reached the API never exceeded the configured share in any minute.
        var reached = h.Simulator.Requests.Snapshot();
        Assert.True(TestSupport.MaxInWindow([.. reached.Select(r => r.Time)], TimeSpan.FromSeconds(60)) <= BudgetPerMinute);
        Assert.DoesNotContain(reached, r => r.StatusCode == 429 && fault != "429_storm");
    }

    [Fact]
    public async Task A_revoked_key_backs_off_exponentially_to_five_minutes_with_one_log_line_and_up_0()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var (poller, runtime) = h.Poller(h.Target());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = poller.RunAsync(stop.Token);
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        h.Simulator.Requests.Clear();

        h.Simulator.RateLimits.SetRevoked(h.Key);
        await h.AdvanceAsync(TimeSpan.FromMinutes(30), step: TimeSpan.FromSeconds(2));

        var refused = h.Simulator.Requests.Snapshot().Where(r => r.StatusCode == 401).Select(r => r.Time).ToList();
        Assert.Equal(refused.Count, h.Simulator.Requests.Count());
        // Unthrottled, the status poll alone would be 120 requests; backing off 15 s, 30 s, … 5 min is ~11 rounds
        // of at most one request per collector.
        Assert.InRange(refused.Count, 8, 26);
        var rounds = refused.Where((t, i) => i == 0 || t - refused[i - 1] > TimeSpan.FromSeconds(5)).ToList();
        var gaps = rounds.Zip(rounds.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Count >= 6, $"only {gaps.Count} gaps");
        Assert.True(gaps[1] > gaps[0] && gaps[2] > gaps[1] && gaps[3] > gaps[2], $"the waits do not grow: {string.Join(", ", gaps)}");
        Assert.All(gaps, g => Assert.True(g <= TargetPoller.MaxBlockedBackoff + TimeSpan.FromSeconds(16), $"a wait of {g}"));
        Assert.True(gaps[^1] >= TargetPoller.MaxBlockedBackoff - TimeSpan.FromSeconds(1), $"the last wait was {gaps[^1]}");

        var snapshot = poller.BuildSnapshot();
        Assert.False(snapshot.Up);
        var lines = h.Logs.GetSnapshot();
        var blocked = Assert.Single(lines, r => r.Id.Id == TargetBlockedEvent);
        Assert.Equal(LogLevel.Error, blocked.Level);
        Assert.Contains("refused the key (401)", blocked.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, r => r.Id.Id == CollectorFailedEvent);
        Assert.Equal(refused.Count, runtime.Failures.Snapshot().Where(kv => kv.Key.Reason == "unauthorized").Sum(kv => kv.Value));

        h.Simulator.RateLimits.SetRevoked(h.Key, revoked: false);
        await h.AdvanceAsync(TimeSpan.FromMinutes(6), step: TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await run;

        Assert.True(poller.BuildSnapshot().Up);
        lines = h.Logs.GetSnapshot();
        Assert.Single(lines, r => r.Id.Id == TargetUnblockedEvent);
        Assert.DoesNotContain(lines, r => r.Id.Id == CollectorRecoveredEvent);
    }

    internal static void Begin(string fault, SimulatorHarness h, LoopbackForwarder forwarder)
    {
        const int Always = 100_000;
        switch (fault)
        {
            case "server_error": h.Simulator.Faults.Enqueue(new ServerError(), Always); break;
            case "slow_past_the_timeout": h.Simulator.Faults.Enqueue(new Slow(TimeSpan.FromSeconds(25)), Always); break;
            case "non_json_body": h.Simulator.Faults.Enqueue(new MalformedJson(), Always); break;
            case "truncated_body": h.Simulator.Faults.Enqueue(new TruncatedBody(), Always); break;
            case "429_storm": h.Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(30)), Always); break;
            case "repeating_cursor": h.Simulator.Faults.Enqueue(new RepeatCursor(), Always); break;
            case "connection_refused": forwarder.SetMode(ForwarderMode.Refuse); break;
            case "unknown_ca": forwarder.SetMode(ForwarderMode.UnknownCa); break;
            case "revoked_key": h.Simulator.RateLimits.SetRevoked(h.Key); break;
            default: throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown fault");
        }
    }

    internal static void End(string fault, SimulatorHarness h, LoopbackForwarder forwarder)
    {
        h.Simulator.Faults.Clear();
        forwarder.SetMode(ForwarderMode.Forward);
        if (fault == "revoked_key")
        {
            h.Simulator.RateLimits.SetRevoked(h.Key, revoked: false);
        }
    }
}
