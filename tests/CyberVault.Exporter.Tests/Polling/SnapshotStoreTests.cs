using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Polling;

public class SnapshotStoreTests
{
    private static TargetSnapshot Snap(string target, bool up = true) => new() { Target = target, Up = up, TierRequestsPerMinute = 60, BudgetRequestsPerMinute = 30 };

    [Fact]
    public void Current_is_ordered_by_target_and_holds_the_latest_snapshot_per_target()
    {
        var store = new SnapshotStore();
        store.Publish(Snap("zeta"));
        store.Publish(Snap("alpha", up: false));
        store.Publish(Snap("alpha", up: true));

        Assert.Equal(["alpha", "zeta"], store.Current().Select(s => s.Target));
        Assert.True(store.Current()[0].Up);
    }

    [Fact]
    public void A_removed_target_disappears()
    {
        var store = new SnapshotStore();
        store.Publish(Snap("a"));
        store.Publish(Snap("b"));

        store.Remove("a");

        Assert.Equal(["b"], store.Current().Select(s => s.Target));
    }

    [Fact]
    public async Task Concurrent_publishers_lose_no_target()
    {
        var store = new SnapshotStore();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                store.Publish(Snap($"t{t}"));
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(8, store.Current().Count);
    }
}
