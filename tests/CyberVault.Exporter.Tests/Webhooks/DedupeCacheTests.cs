using CyberVault.Exporter.Webhooks;

namespace CyberVault.Exporter.Tests.Webhooks;

public class DedupeCacheTests
{
    [Fact]
    public void An_id_seen_within_the_window_is_a_duplicate_and_after_it_is_new_again()
    {
        var time = TestSupport.NewTime();
        var cache = new DedupeCache(TimeSpan.FromMinutes(10), time);

        Assert.True(cache.TryAdd("evt_1"));
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(cache.TryAdd("evt_1"));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(cache.TryAdd("evt_1"));
    }

    [Fact]
    public void Expired_ids_are_forgotten_so_the_cache_does_not_grow_with_time()
    {
        var time = TestSupport.NewTime();
        var cache = new DedupeCache(TimeSpan.FromSeconds(10), time);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(cache.TryAdd($"evt_{i}"));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(cache.Count, 1, 11);
    }

    [Fact]
    public void At_capacity_the_oldest_id_is_forgotten_first()
    {
        var time = TestSupport.NewTime();
        var cache = new DedupeCache(TimeSpan.FromHours(1), time, capacity: 3);
        Assert.True(cache.TryAdd("a"));
        Assert.True(cache.TryAdd("b"));
        Assert.True(cache.TryAdd("c"));
        Assert.True(cache.TryAdd("d"));

        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryAdd("d"));
        Assert.False(cache.TryAdd("b"));
        Assert.True(cache.TryAdd("a"));
    }
}
