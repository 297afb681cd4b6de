using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Simulator.Tests.RateLimiting;

public sealed class RateLimitRegistryTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(SimulatedTier.Starter, 60, 15)]
    [InlineData(SimulatedTier.Professional, 300, 50)]
    [InlineData(SimulatedTier.Enterprise, 1200, 200)]
    public void Tier_figures_match_the_reference(SimulatedTier tier, int rpm, int burst) =>
        Assert.Equal((rpm, burst), RateLimitRegistry.TierLimits(tier));

    [Fact]
    public void Peek_does_not_open_a_window_or_spend_anything()
    {
        var time = new FakeTimeProvider(Start);
        var registry = new RateLimitRegistry([new SimulatedApiKey("k", SimulatedTier.Starter)], time);

        time.Advance(TimeSpan.FromSeconds(30));
        RateLimitState state = registry.Peek("k");

        Assert.Equal(new RateLimitState(60, 15, 60, Start + TimeSpan.FromSeconds(90), 15), state);
    }

    [Fact]
    public void The_bucket_refills_at_the_per_minute_rate_up_to_the_burst()
    {
        var time = new FakeTimeProvider(Start);
        var registry = new RateLimitRegistry([new SimulatedApiKey("k", SimulatedTier.Professional)], time);
        Assert.Equal(50, registry.SpendAsOtherClient("k", 80));

        time.Advance(TimeSpan.FromSeconds(2)); // 300/min = 5 per second
        Assert.Equal(10, registry.Peek("k").BurstTokens);
        time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(50, registry.Peek("k").BurstTokens);
    }

    [Fact]
    public void Over_a_long_run_the_admitted_rate_never_exceeds_either_limit()
    {
        var time = new FakeTimeProvider(Start);
        var registry = new RateLimitRegistry([new SimulatedApiKey("k", SimulatedTier.Starter)], time);
        var admittedAt = new List<DateTimeOffset>();
        for (int step = 0; step < 3000; step++)
        {
            if (registry.SpendAsOtherClient("k", 1) == 1)
            {
                admittedAt.Add(time.GetUtcNow());
            }
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // No 60-second span holds more than 60 + 15 admissions (fixed windows allow up to rpm + burst across a boundary).
        for (int i = 0; i < admittedAt.Count; i++)
        {
            int inSpan = admittedAt.Skip(i).TakeWhile(t => t - admittedAt[i] < TimeSpan.FromMinutes(1)).Count();
            Assert.True(inSpan <= 75, $"{inSpan} admissions in a minute");
        }
        Assert.InRange(admittedAt.Count, 290, 301); // 300 s at 60/min
    }

    [Fact]
    public void Configuration_errors_are_reported_without_the_key()
    {
        var time = new FakeTimeProvider(Start);
        ArgumentException custom = Assert.Throws<ArgumentException>(() =>
            new RateLimitRegistry([new SimulatedApiKey("secret-1", SimulatedTier.Custom, 10)], time));
        ArgumentException figures = Assert.Throws<ArgumentException>(() =>
            new RateLimitRegistry([new SimulatedApiKey("secret-2", SimulatedTier.Starter, 10, 5)], time));
        ArgumentException twice = Assert.Throws<ArgumentException>(() =>
            new RateLimitRegistry([new SimulatedApiKey("secret-3", SimulatedTier.Starter), new SimulatedApiKey("secret-3", SimulatedTier.Starter)], time));
        var registry = new RateLimitRegistry([new SimulatedApiKey("secret-4", SimulatedTier.Starter)], time);
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => registry.Peek("secret-5"));

        Assert.Contains("Custom", custom.Message, StringComparison.Ordinal);
        Assert.Contains("only apply to the Custom tier", figures.Message, StringComparison.Ordinal);
        Assert.Contains("key-2", twice.Message, StringComparison.Ordinal);
        foreach (ArgumentException ex in new[] { custom, figures, twice, unknown })
        {
            Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_simulated_key_record_does_not_print_its_key()
    {
        var key = new SimulatedApiKey("cv_live_supersecret", SimulatedTier.Enterprise);

        Assert.DoesNotContain("supersecret", key.ToString(), StringComparison.Ordinal);
        Assert.Contains("Enterprise", key.ToString(), StringComparison.Ordinal);
    }
}
