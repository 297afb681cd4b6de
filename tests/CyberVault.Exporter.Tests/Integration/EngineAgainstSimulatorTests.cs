using CyberVault.Exporter.Api;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Polling;
using CyberVault.Simulator;

namespace CyberVault.Exporter.Tests.Integration;

public class EngineAgainstSimulatorTests
{
    private static readonly string[] Severities = ["critical", "high", "medium", "low"];
    private static readonly string[] Polled = ["open", "investigating"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_and_alert_counts_equal_the_simulators_truth()
    {
        await using var h = await SimulatorHarness.StartAsync(s =>
        {
            s.ThreatLevel = 6;
            s.Status = "degraded";
            s.Region = "eu-central-1";
            s.AlertCounts[("high", "open")] = 250;
            s.AlertCounts[("critical", "investigating")] = 7;
        });
        var (poller, _) = h.Poller(h.Target());

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));
        await h.DriveAsync(poller.SweepOnceAsync(Ct), TimeSpan.FromMinutes(1));

        var snapshot = Assert.Single(h.Store.Current());
        Assert.True(snapshot.Up);
        Assert.Equal(6, snapshot.Status!.ThreatLevel);
        Assert.Equal("degraded", snapshot.Status.SystemStatus);
        Assert.Equal("eu-central-1", snapshot.Status.Region);
        Assert.Equal(h.Simulator.World.ActiveAlerts, snapshot.Status.ActiveAlerts);
        Assert.Equal(h.Simulator.World.LastScan, snapshot.Status.LastScan);
        foreach (var status in Polled)
        {
            foreach (var severity in Severities)
            {
                Assert.Equal(h.Simulator.World.CountAlerts(severity, status), snapshot.Alerts!.Counts[(severity, status)]);
            }
        }

        Assert.Equal(250, snapshot.Alerts!.Counts[("high", "open")]);
        Assert.Equal(8, snapshot.Alerts.Counts.Count);
        Assert.NotNull(snapshot.RateLimit);
        Assert.Equal(15, snapshot.RateLimit!.Burst);
    }

    [Fact]
    public async Task One_cycle_costs_one_status_poll_plus_one_request_per_page_per_polled_status()
    {
        await using var h = await SimulatorHarness.StartAsync(s =>
        {
            foreach (var severity in Severities)
            {
                s.AlertCounts[(severity, "open")] = 500;
            }
        });
        var (poller, _) = h.Poller(h.Target());

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));
        var sweep = poller.SweepOnceAsync(Ct);
        await h.DriveAsync(sweep, TimeSpan.FromMinutes(1));

        var counts = Polled.ToDictionary(s => s, s => (long)h.Simulator.World.CountAlerts(null, s));
        var expected = BudgetPlan.RequestsPerCycle(counts, 200);
        Assert.Equal(1 + 10 + 1, expected);
        Assert.Equal(expected, h.Simulator.Requests.Count());
        Assert.Equal(expected - 1, (await sweep).Pages);
        Assert.Equal(0, h.Simulator.Requests.Count(r => r.StatusCode != 200));
    }

    [Fact]
    public async Task No_429_while_another_client_spends_the_rest_of_the_key()
    {
        await using var h = await SimulatorHarness.StartAsync(s =>
        {
            foreach (var severity in Severities)
            {
                s.AlertCounts[(severity, "open")] = 500;
            }
        });
        // Sweeps as often as the budget allows: about 28 of our 30 requests a minute.
        var (poller, runtime) = h.Poller(h.Target(new PollingConfig { AlertsInterval = TimeSpan.FromSeconds(15) }));
        var other = 0;
        using var otherClient = h.Time.CreateTimer(_ => Interlocked.Add(ref other, h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 1)), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = poller.RunAsync(stop.Token);
        await h.AdvanceAsync(TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await run;

        var ours = h.Simulator.Requests.Snapshot();
        Assert.DoesNotContain(ours, r => r.StatusCode == 429);
        Assert.True(other >= 85, $"the other client got only {other} requests through");
        Assert.True(ours.Count >= 70, $"the exporter made only {ours.Count} requests");
        Assert.True(TestSupport.MaxInWindow([.. ours.Select(r => r.Time)], TimeSpan.FromSeconds(60)) <= 30);
        Assert.True(poller.BuildSnapshot().Alerts is not null);
        Assert.Equal(TimeSpan.FromSeconds(60.0 * 11 / 26), poller.BuildSnapshot().Collectors[TargetPoller.AlertsCollector].EffectiveInterval);
        Assert.Equal(0, runtime.Requests.Snapshot().GetValueOrDefault(("alerts", "429")));
    }

    [Fact]
    public async Task No_429_when_another_client_spends_two_thirds_of_every_minute_in_a_rush()
    {
        await using var h = await SimulatorHarness.StartAsync(s =>
        {
            foreach (var severity in Severities)
            {
                s.AlertCounts[(severity, "open")] = 500;
            }
        });
        var (poller, _) = h.Poller(h.Target(new PollingConfig { AlertsInterval = TimeSpan.FromSeconds(15) }));
        var ticks = 0;
        var other = 0;
        // One request a second for 40 s, then 20 s of quiet, every minute: our ~28 a minute no longer fit
        // (about 20 a minute are left; 44-47 of 60 were used in trial runs).
        using var otherClient = h.Time.CreateTimer(
            _ =>
            {
                if (Interlocked.Increment(ref ticks) % 60 < 40)
                {
                    Interlocked.Add(ref other, h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 1));
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = poller.RunAsync(stop.Token);
        await h.AdvanceAsync(TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await run;

        var ours = h.Simulator.Requests.Snapshot();
        Assert.DoesNotContain(ours, r => r.StatusCode == 429);
        Assert.True(ours.Count >= 35, $"the exporter made only {ours.Count} requests");
        Assert.NotNull(poller.BuildSnapshot().Alerts);
    }

    [Fact]
    public async Task Retry_After_is_honoured_to_the_second()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var (poller, _) = h.Poller(h.Target());
        h.Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(9)));

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));
        Assert.False(poller.BuildSnapshot().Up);
        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));

        var log = h.Simulator.Requests.Snapshot();
        Assert.Equal([429, 200], log.Select(r => r.StatusCode));
        Assert.InRange(log[1].Time - log[0].Time, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(9.2));
        Assert.True(poller.BuildSnapshot().Up);
    }

    [Fact]
    public async Task A_5xx_is_retried_and_the_poll_recovers()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var (poller, runtime) = h.Poller(h.Target());
        h.Simulator.Faults.Enqueue(new ServerError(), 2);

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));

        Assert.Equal([500, 500, 200], h.Simulator.Requests.Snapshot().Select(r => r.StatusCode));
        Assert.True(poller.BuildSnapshot().Up);
        Assert.Equal(2, runtime.Requests.Snapshot()[("status", "500")]);
        Assert.Equal(["500", "500", "200"], h.Observer.Attempts.Select(a => a.Code));
    }

    [Fact]
    public async Task A_repeated_cursor_stops_the_sweep_and_keeps_the_previous_counts()
    {
        await using var h = await SimulatorHarness.StartAsync(s => s.AlertCounts[("low", "open")] = 450);
        var (poller, _) = h.Poller(h.Target());
        Assert.True((await RunSweep(h, poller)).Success);
        var before = poller.BuildSnapshot().Alerts!;
        // Twice: the first page then points at itself, and the second answer repeats that cursor.
        h.Simulator.Faults.Enqueue(new RepeatCursor(), 2);
        h.Simulator.Requests.Clear();

        var failed = await RunSweep(h, poller);

        Assert.False(failed.Success);
        Assert.Contains("repeated a pagination cursor", failed.Error, StringComparison.Ordinal);
        Assert.True(h.Simulator.Requests.Count() <= 3, "the sweep went on after the repeated cursor");
        Assert.Same(before, poller.BuildSnapshot().Alerts);
    }

    [Fact]
    public async Task A_301_from_plain_HTTP_is_reported_and_the_key_is_not_sent_again()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var insecureBase = new Uri(h.Simulator.PlainHttpUrl!, "/v2");
        var (poller, _) = h.Poller(h.Target(baseUrl: insecureBase, insecure: true));

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));

        var only = Assert.Single(h.Simulator.Requests.Snapshot());
        Assert.Equal(301, only.StatusCode);
        var lines = h.Logs.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains(lines, l => l.Contains("redirecting to " + h.Simulator.BaseUrl.GetLeftPart(UriPartial.Authority) + "/v2/status", StringComparison.Ordinal));
        Assert.False(poller.BuildSnapshot().Up);
    }

    [Fact]
    public async Task The_key_appears_in_no_log_line_even_at_trace_level()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var (poller, _) = h.Poller(h.Target());
        h.Simulator.Faults.Enqueue(new ServerError());
        h.Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(2)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = poller.RunAsync(stop.Token);
        await h.AdvanceAsync(TimeSpan.FromSeconds(40));
        File.WriteAllText(h.KeyFile, "cv_wrong_key_nobody_knows");
        File.SetLastWriteTimeUtc(h.KeyFile, DateTime.UtcNow.AddSeconds(3));
        await h.AdvanceAsync(TimeSpan.FromSeconds(40));
        await stop.CancelAsync();
        await run;

        var text = h.AllLogText();
        Assert.True(h.Logs.Count > 5, "too few log lines to prove anything");
        Assert.Contains("refused the key (401)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("cv_wrong_key_nobody_knows", text, StringComparison.Ordinal);
    }

    private static async Task<SweepResult> RunSweep(SimulatorHarness h, TargetPoller poller)
    {
        var sweep = poller.SweepOnceAsync(Ct);
        await h.DriveAsync(sweep, TimeSpan.FromMinutes(2));
        return await sweep;
    }
}
