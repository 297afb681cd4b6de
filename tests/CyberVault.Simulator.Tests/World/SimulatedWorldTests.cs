using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Simulator.Tests.World;

public sealed class SimulatedWorldTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static SimulatedWorld NewWorld(ScenarioOptions scenario, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(Start);
        return new SimulatedWorld(scenario, time, new WebhookDispatcher(time, NullLogger.Instance));
    }

    [Fact]
    public void The_same_seed_gives_the_same_world_and_another_seed_a_different_one()
    {
        IReadOnlyList<Alert> a = NewWorld(new ScenarioOptions { Seed = 7 }).AllAlerts();
        IReadOnlyList<Alert> b = NewWorld(new ScenarioOptions { Seed = 7 }).AllAlerts();
        IReadOnlyList<Alert> c = NewWorld(new ScenarioOptions { Seed = 8 }).AllAlerts();

        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(x => x.Id), c.Select(x => x.Id));
    }

    [Fact]
    public void The_seeded_world_has_N_alerts_per_severity_and_status_with_overrides()
    {
        var scenario = new ScenarioOptions { AlertsPerSeverityAndStatus = 5 };
        scenario.AlertCounts[("critical", "open")] = 12;
        scenario.AlertCounts[("low", "resolved")] = 0;

        SimulatedWorld world = NewWorld(scenario);

        Assert.Equal(12, world.CountAlerts("critical", "open"));
        Assert.Equal(0, world.CountAlerts("low", "resolved"));
        Assert.Equal(5, world.CountAlerts("medium", "dismissed"));
        Assert.Equal(12 + 5 + 5 + 5, world.CountAlerts("critical", null));
        Assert.Equal(12 + 5 + 5 + 5, world.CountAlerts(null, "open"));
        Assert.Equal(12 + (14 * 5), world.CountAlerts(null, null));
        Assert.All(world.AllAlerts(), a => Assert.InRange(a.CreatedAt, Start - TimeSpan.FromHours(48), Start));
        Assert.Equal(world.AllAlerts().Count, world.AllAlerts().Select(a => a.Id).Distinct().Count());
    }

    [Fact]
    public void Added_alerts_always_sort_as_the_newest_even_within_the_same_second()
    {
        var time = new FakeTimeProvider(Start);
        SimulatedWorld world = NewWorld(new ScenarioOptions(), time);

        Alert first = world.AddAlert("high", "open");
        Alert second = world.AddAlert("low", "investigating", "xss", "srv_x");
        time.Advance(TimeSpan.FromMilliseconds(400));
        Alert third = world.AddAlert("low", "open");

        Assert.Equal([third.Id, second.Id, first.Id], world.AllAlerts().Take(3).Select(a => a.Id));
        Assert.Equal(Start, third.CreatedAt);
        Assert.Equal(("low", "investigating", "xss", "srv_x"), (second.Severity, second.Status, second.Type, second.AssetId));
    }

    [Fact]
    public void Resolving_moves_an_alert_between_status_counts_once()
    {
        SimulatedWorld world = NewWorld(new ScenarioOptions());
        Alert alert = world.AddAlert("critical", "investigating");
        int investigating = world.CountAlerts("critical", "investigating");
        int resolved = world.CountAlerts("critical", "resolved");

        Assert.True(world.ResolveAlert(alert.Id));
        Assert.False(world.ResolveAlert(alert.Id));
        Assert.False(world.ResolveAlert("alt_unknown"));

        Assert.Equal(investigating - 1, world.CountAlerts("critical", "investigating"));
        Assert.Equal(resolved + 1, world.CountAlerts("critical", "resolved"));
        Assert.Equal("resolved", world.FindAlert(alert.Id)!.Status);
    }

    [Fact]
    public void Invalid_values_are_refused_with_a_clear_error()
    {
        SimulatedWorld world = NewWorld(new ScenarioOptions());

        Assert.Throws<ArgumentOutOfRangeException>(() => world.ThreatLevel = 11);
        Assert.Throws<ArgumentOutOfRangeException>(() => world.ThreatLevel = -1);
        Assert.Contains("operational", Assert.Throws<ArgumentException>(() => world.SystemStatus = "on fire").Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => world.AddAlert("urgent", "open"));
        Assert.Throws<ArgumentException>(() => world.AddAlert("high", "closed"));
        Assert.Throws<ArgumentException>(() => NewWorld(new ScenarioOptions { Status = "broken" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewWorld(new ScenarioOptions { ThreatLevel = 12 }));
        var badCounts = new ScenarioOptions();
        badCounts.AlertCounts[("severe", "open")] = 1;
        Assert.Throws<ArgumentException>(() => NewWorld(badCounts));
    }

    [Fact]
    public void Live_ticks_drift_the_threat_level_by_at_most_one_within_0_to_10_and_move_the_world()
    {
        var time = new FakeTimeProvider(Start);
        SimulatedWorld world = NewWorld(new ScenarioOptions { ThreatLevel = 9 }, time);
        int initialAlerts = world.CountAlerts(null, null);
        var levels = new List<int> { world.ThreatLevel };

        for (int i = 0; i < 500; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            world.Tick();
            levels.Add(world.ThreatLevel);
        }

        Assert.All(levels.Zip(levels.Skip(1)), p => Assert.InRange(p.Second - p.First, -1, 1));
        Assert.All(levels, l => Assert.InRange(l, 0, 10));
        Assert.True(levels.Distinct().Count() > 3);
        Assert.True(world.CountAlerts(null, null) > initialAlerts);
        Assert.True(world.CountAlerts(null, "resolved") > 12);
        Assert.True(world.LastScan > Start);
    }

    [Fact]
    public void Live_ticks_are_deterministic_for_a_seed()
    {
        static (int, int, string) Run()
        {
            var time = new FakeTimeProvider(Start);
            SimulatedWorld world = NewWorld(new ScenarioOptions { Seed = 3 }, time);
            for (int i = 0; i < 100; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                world.Tick();
            }
            return (world.ThreatLevel, world.CountAlerts(null, "open"), string.Join(",", world.AllAlerts().Take(5).Select(a => a.Id)));
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public async Task In_live_mode_the_world_moves_as_the_TimeProvider_advances()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Scenario.Live = true;
            o.Scenario.LiveTickInterval = TimeSpan.FromSeconds(5);
        }, ct);
        int initial = h.Simulator.World.CountAlerts(null, null);
        DateTimeOffset initialScan = h.Simulator.World.LastScan;

        // Bounded: each advance releases one tick; stop as soon as the world has visibly moved.
        for (int i = 0; i < 200 && (h.Simulator.World.CountAlerts(null, null) == initial || h.Simulator.World.LastScan == initialScan); i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(5, ct);
        }

        Assert.True(h.Simulator.World.CountAlerts(null, null) > initial);
        Assert.True(h.Simulator.World.LastScan > initialScan);
    }

    [Fact]
    public void A_duplicate_folds_into_the_newest_open_alert_and_survives_resolving_one_of_several()
    {
        var time = new FakeTimeProvider(Start);
        SimulatedWorld world = NewWorld(new ScenarioOptions { AlertsPerSeverityAndStatus = 0 }, time);
        Alert older = world.AddAlert("high", "open", "xss", "srv_1");
        Alert newer = world.AddAlert("high", "open", "xss", "srv_1");

        Assert.Equal((newer, false), world.CreateOrFold("high", "xss", "srv_1"));
        world.ResolveAlert(newer.Id);
        Assert.Equal((older, false), world.CreateOrFold("high", "xss", "srv_1"));
        world.ResolveAlert(older.Id);
        (Alert created, bool isNew) = world.CreateOrFold("high", "xss", "srv_1");
        Assert.True(isNew);
        Assert.Equal(3, world.CountAlerts(null, null));
        Assert.Equal("open", created.Status);
    }
}
