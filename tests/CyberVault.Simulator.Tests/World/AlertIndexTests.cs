namespace CyberVault.Simulator.Tests.World;

public sealed class AlertIndexTests
{
    private static readonly DateTimeOffset T = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static Alert At(int seconds, string id) => new(id, "high", "xss", "a", T.AddSeconds(seconds), "open");

    [Fact]
    public void Pages_walk_newest_first_and_break_time_ties_by_id()
    {
        var index = new AlertIndex();
        foreach (Alert a in new[] { At(5, "alt_b"), At(1, "alt_a"), At(5, "alt_a"), At(9, "alt_z"), At(5, "alt_c") })
        {
            index.Insert(a);
        }

        List<Alert> first = index.Page(null, 2);
        List<Alert> second = index.Page(new AlertPosition(first[^1].CreatedAt.UtcTicks, first[^1].Id), 2);
        List<Alert> third = index.Page(new AlertPosition(second[^1].CreatedAt.UtcTicks, second[^1].Id), 2);

        Assert.Equal(["alt_z", "alt_c", "alt_b", "alt_a", "alt_a"], first.Concat(second).Concat(third).Select(a => a.Id));
        Assert.Equal([9, 5, 5, 5, 1], first.Concat(second).Concat(third).Select(a => a.CreatedAt.Second));
        Assert.Single(third);
    }

    [Fact]
    public void A_position_whose_alert_was_removed_still_pages_from_the_right_place()
    {
        var index = new AlertIndex();
        Alert[] alerts = [.. Enumerable.Range(0, 10).Select(i => At(i, $"alt_{i}"))];
        foreach (Alert a in alerts)
        {
            index.Insert(a);
        }

        index.Remove(alerts[6]);
        List<Alert> page = index.Page(new AlertPosition(alerts[6].CreatedAt.UtcTicks, alerts[6].Id), 3);

        Assert.Equal(["alt_5", "alt_4", "alt_3"], page.Select(a => a.Id));
        Assert.Equal(9, index.Count);
        Assert.Equal(4, index.CountSince(T.AddSeconds(5)));
    }
}
