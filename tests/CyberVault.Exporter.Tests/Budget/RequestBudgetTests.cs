using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Budget;

public class RequestBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Starter", 0.5, 30, 7)]
    [InlineData("Starter", 1.0, 60, 15)]
    [InlineData("Professional", 0.5, 150, 25)]
    [InlineData("Enterprise", 0.25, 300, 50)]
    [InlineData("Starter", 0.01, 0.6, 1)]
    public void The_plan_follows_tier_and_share(string tier, double share, double rpm, int capacity)
    {
        var plan = BudgetPlan.For(TestSupport.Target(tier: Enum.Parse<CyberVault.Exporter.Configuration.Tier>(tier), share: share));
        using var budget = new RequestBudget(plan, TestSupport.NewTime());

        Assert.Equal(rpm, plan.RequestsPerMinute, 6);
        Assert.Equal(capacity, plan.Capacity);
        Assert.Equal(TimeSpan.FromSeconds(60 / rpm), budget.ReplenishmentPeriod);
        Assert.Equal(Math.Max(1, (int)Math.Floor(rpm)), budget.MinuteCap);
    }

    [Fact]
    public async Task A_full_bucket_grants_its_capacity_at_once_and_then_one_token_per_period()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);

        for (var i = 0; i < 7; i++)
        {
            Assert.True(budget.AcquireAsync(RequestPriority.Page, Ct).AsTask().IsCompletedSuccessfully, $"permit {i + 1} should be immediate");
        }

        var eighth = budget.AcquireAsync(RequestPriority.Page, Ct).AsTask();
        time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(50, Ct);
        Assert.False(eighth.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.1));
        await eighth.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(2.0, budget.WaitSecondsTotal, 3);
    }

    [Fact]
    public async Task Greedy_use_over_three_minutes_stays_within_30_per_minute_and_7_per_second_at_Starter_half_share()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        var grants = await AcquireGreedilyAsync(budget, time, TimeSpan.FromMinutes(3));

        Assert.True(TestSupport.MaxInWindow(grants, TimeSpan.FromSeconds(60)) <= 30, $"max per 60 s was {TestSupport.MaxInWindow(grants, TimeSpan.FromSeconds(60))}");
        Assert.True(TestSupport.MaxInWindow(grants, TimeSpan.FromSeconds(1)) <= 7, $"max per 1 s was {TestSupport.MaxInWindow(grants, TimeSpan.FromSeconds(1))}");
        // Not starved either: three windows' worth, give or take the edges.
        Assert.InRange(grants.Count, 85, 92);
    }

    [Fact]
    public async Task Professional_full_share_allows_a_burst_of_50_then_five_per_second()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target(tier: CyberVault.Exporter.Configuration.Tier.Professional, share: 1.0)), time);
        var grants = await AcquireGreedilyAsync(budget, time, TimeSpan.FromSeconds(10));

        Assert.Equal(50, grants.Count(g => g == TestSupport.Start));
        Assert.InRange(grants.Count, 50 + 45, 50 + 50);
        Assert.True(TestSupport.MaxInWindow(grants, TimeSpan.FromSeconds(1)) <= 50);
    }

    [Fact]
    public async Task After_a_429_nothing_is_granted_until_Retry_After_has_passed_to_the_second()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        budget.OnResponse(null, time.GetUtcNow().AddSeconds(5));

        var waiting = budget.AcquireAsync(RequestPriority.Status, Ct).AsTask();
        time.Advance(TimeSpan.FromSeconds(4.99));
        await Task.Delay(50, Ct);
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.01));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(TestSupport.Start.AddSeconds(5), time.GetUtcNow());
        Assert.Equal(5.0, budget.WaitSecondsTotal, 3);
    }

    [Fact]
    public async Task When_Remaining_is_low_for_the_time_until_reset_requests_are_spread_out_before_a_429()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        // Others spent the key: 6 left for the next 30 s, of which 2 are kept as a safety margin.
        budget.OnResponse(new RateLimitSample(6, 15, time.GetUtcNow().AddSeconds(30), time.GetUtcNow()), null);

        var grants = await AcquireGreedilyAsync(budget, time, TimeSpan.FromSeconds(29.9));

        Assert.Equal(6 - RequestBudget.SafetyMargin, grants.Count);
        Assert.True(grants.Zip(grants.Skip(1)).All(p => p.Second - p.First >= TimeSpan.FromSeconds(5)), "grants were not spread out");
    }

    [Fact]
    public async Task Others_spending_the_key_fast_make_the_budget_hold_back_until_the_reset()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        var reset = time.GetUtcNow().AddSeconds(60);
        budget.OnResponse(new RateLimitSample(50, 15, reset, time.GetUtcNow()), null);
        time.Advance(TimeSpan.FromSeconds(5));
        // Ten fewer in five seconds, none of them ours: someone spends 2 a second.
        budget.OnResponse(new RateLimitSample(40, 15, reset, time.GetUtcNow()), null);

        Assert.Equal(1.0, budget.OthersPerSecond, 6);

        // 40 left, 2 kept back, 55 s at 1/s expected for others: nothing for us until that expectation fades.
        var waiting = budget.AcquireAsync(RequestPriority.Status, Ct).AsTask();
        await TestSupport.DriveAsync(time, waiting, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(70));

        Assert.True(time.GetUtcNow() >= TestSupport.Start.AddSeconds(10), $"granted at {time.GetUtcNow():O}, too early");
    }

    [Fact]
    public async Task With_nothing_remaining_the_budget_waits_for_the_reset()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        budget.OnResponse(new RateLimitSample(1, null, time.GetUtcNow().AddSeconds(20), time.GetUtcNow()), null);

        var waiting = budget.AcquireAsync(RequestPriority.Status, Ct).AsTask();
        await TestSupport.DriveAsync(time, waiting, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        Assert.InRange(time.GetUtcNow(), TestSupport.Start.AddSeconds(20), TestSupport.Start.AddSeconds(20.2));
    }

    [Fact]
    public async Task Plenty_remaining_does_not_slow_anything_down()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        budget.OnResponse(new RateLimitSample(59, 15, time.GetUtcNow().AddSeconds(60), time.GetUtcNow()), null);

        for (var i = 0; i < 7; i++)
        {
            Assert.True(budget.AcquireAsync(RequestPriority.Page, Ct).AsTask().IsCompletedSuccessfully);
        }
    }

    [Fact]
    public async Task A_waiting_status_poll_goes_before_waiting_sweep_pages()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        for (var i = 0; i < 7; i++)
        {
            await budget.AcquireAsync(RequestPriority.Page, Ct);
        }

        var page = budget.AcquireAsync(RequestPriority.Page, Ct).AsTask();
        await Task.Delay(20, Ct);
        var status = budget.AcquireAsync(RequestPriority.Status, Ct).AsTask();

        time.Advance(TimeSpan.FromSeconds(2));
        await status.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await Task.Delay(50, Ct);
        Assert.False(page.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(2));
        await page.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task Cancelling_a_wait_throws_and_takes_no_token()
    {
        var time = TestSupport.NewTime();
        using var budget = new RequestBudget(BudgetPlan.For(TestSupport.Target()), time);
        budget.OnResponse(null, time.GetUtcNow().AddSeconds(30));
        using var cts = new CancellationTokenSource();

        var waiting = budget.AcquireAsync(RequestPriority.Page, cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(7, budget.AvailableTokens);
    }

    /// <summary>Takes permits as fast as the budget grants them for <paramref name="duration"/> of fake time.</summary>
    private static async Task<List<DateTimeOffset>> AcquireGreedilyAsync(RequestBudget budget, FakeTimeProvider time, TimeSpan duration)
    {
        var grants = new List<DateTimeOffset>();
        var end = time.GetUtcNow() + duration;
        using var stop = new CancellationTokenSource();
        while (time.GetUtcNow() < end)
        {
            var acquire = budget.AcquireAsync(RequestPriority.Page, stop.Token).AsTask();
            while (!acquire.IsCompleted && time.GetUtcNow() < end)
            {
                await Task.WhenAny(acquire, Task.Delay(1, TestContext.Current.CancellationToken));
                if (!acquire.IsCompleted)
                {
                    time.Advance(TimeSpan.FromMilliseconds(100));
                }
            }

            if (!acquire.IsCompleted)
            {
                await stop.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquire);
                break;
            }

            await acquire;
            grants.Add(time.GetUtcNow());
        }

        return grants;
    }
}
