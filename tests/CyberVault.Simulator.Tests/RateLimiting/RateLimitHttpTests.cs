using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.RateLimiting;

public sealed class RateLimitHttpTests
{
    private static async Task<SimHarness> StartWithAsync(SimulatedTier tier, CancellationToken ct, int? rpm = null, int? burst = null) =>
        await SimHarness.StartAsync(o => o.Keys.Add(new SimulatedApiKey("cv_test_" + tier, tier, rpm, burst)), ct);

    private static int Header(HttpResponseMessage response, string name) =>
        int.Parse(Assert.Single(response.Headers.GetValues(name)), CultureInfo.InvariantCulture);

    private static long EpochHeader(HttpResponseMessage response, string name) =>
        long.Parse(Assert.Single(response.Headers.GetValues(name)), CultureInfo.InvariantCulture);

    private static int RetryAfterSeconds(HttpResponseMessage response)
    {
        TimeSpan? delta = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(delta);
        return (int)delta.Value.TotalSeconds;
    }

    [Theory]
    [InlineData(SimulatedTier.Starter, 60, 15)]
    [InlineData(SimulatedTier.Professional, 300, 50)]
    [InlineData(SimulatedTier.Enterprise, 1200, 200)]
    public async Task An_instant_burst_beyond_the_allowance_gets_429_and_the_retry_after_Retry_After_succeeds(SimulatedTier tier, int rpm, int burst)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(tier, ct);
        long expectedReset = (SimHarness.Start + TimeSpan.FromMinutes(1)).ToUnixTimeSeconds();

        for (int i = 1; i <= burst; i++)
        {
            using HttpResponseMessage ok = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(rpm - i, Header(ok, "X-RateLimit-Remaining"));
            Assert.Equal(burst, Header(ok, "X-RateLimit-Burst"));
            Assert.Equal(expectedReset, EpochHeader(ok, "X-RateLimit-Reset"));
        }
        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", (await SimHarness.ReadJsonAsync(limited, ct)).GetProperty("error").GetProperty("code").GetString());
        int retryAfter = RetryAfterSeconds(limited);
        Assert.Equal((int)Math.Ceiling(60.0 / rpm), retryAfter); // one token's refill time, rounded up
        Assert.Equal(rpm - burst, Header(limited, "X-RateLimit-Remaining"));
        Assert.Equal(burst, Header(limited, "X-RateLimit-Burst"));
        Assert.Equal(expectedReset, EpochHeader(limited, "X-RateLimit-Reset"));

        h.Time.Advance(TimeSpan.FromSeconds(retryAfter));
        using HttpResponseMessage retried = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    [Theory]
    [InlineData(SimulatedTier.Starter, 60, 15)]
    [InlineData(SimulatedTier.Professional, 300, 50)]
    [InlineData(SimulatedTier.Enterprise, 1200, 200)]
    public async Task The_request_after_the_per_minute_limit_within_a_minute_gets_429_with_a_Retry_After_that_is_enough(SimulatedTier tier, int rpm, int burst)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(tier, ct);
        // Pace the requests at the refill rate after the initial burst, so only the minute window can bind.
        var refill = TimeSpan.FromTicks(TimeSpan.TicksPerMinute / rpm);
        for (int i = 1; i <= rpm; i++)
        {
            if (i > burst)
            {
                h.Time.Advance(refill);
            }
            using HttpResponseMessage ok = await h.Client.GetAsync("status", ct);
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"request {i} got {(int)ok.StatusCode}");
        }
        h.Time.Advance(refill); // a token is available again, so the bucket is not what refuses the next one
        TimeSpan elapsed = h.Time.GetUtcNow() - SimHarness.Start;
        Assert.True(elapsed < TimeSpan.FromMinutes(1));

        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(0, Header(limited, "X-RateLimit-Remaining"));
        int retryAfter = RetryAfterSeconds(limited);
        Assert.Equal((int)Math.Ceiling((TimeSpan.FromMinutes(1) - elapsed).TotalSeconds), retryAfter);
        // One second less is not enough (the window is still closed) ...
        h.Time.Advance(TimeSpan.FromSeconds(retryAfter - 1));
        using HttpResponseMessage early = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
        // ... and Retry-After is.
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage retried = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(rpm - 1, Header(retried, "X-RateLimit-Remaining"));
        // Reset is the window's end in epoch seconds, rounded up so the window has surely ended by then.
        double windowEnd = (h.Time.GetUtcNow().AddMinutes(1) - DateTimeOffset.UnixEpoch).TotalSeconds;
        Assert.Equal((long)Math.Ceiling(windowEnd), EpochHeader(retried, "X-RateLimit-Reset"));
    }

    [Fact]
    public async Task At_Starter_the_16th_request_of_an_instant_burst_and_the_61st_within_a_minute_get_429()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Starter, ct);
        var statuses = new List<int>();
        for (int i = 0; i < 16; i++)
        {
            using HttpResponseMessage r = await h.Client.GetAsync("status", ct);
            statuses.Add((int)r.StatusCode);
        }
        Assert.Equal([.. Enumerable.Repeat(200, 15), 429], statuses);

        // 45 more at one per second: all pass (15 + 45 = 60), then the 61st is refused by the window.
        for (int i = 0; i < 45; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            using HttpResponseMessage r = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage sixtyFirst = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, sixtyFirst.StatusCode);
        h.Time.Advance(TimeSpan.FromSeconds(RetryAfterSeconds(sixtyFirst)));
        using HttpResponseMessage retry = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
    }

    [Fact]
    public async Task A_custom_tier_uses_its_own_figures_and_rounds_Retry_After_up()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Custom, ct, rpm: 7, burst: 3);
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(3, Header(ok, "X-RateLimit-Burst"));
        }
        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(9, RetryAfterSeconds(limited)); // 60/7 = 8.57 s for one token
        h.Time.Advance(TimeSpan.FromSeconds(8));
        using HttpResponseMessage early = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage retried = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    [Fact]
    public async Task Requests_by_another_client_of_the_same_key_spend_the_same_budget()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Starter, ct);

        int admitted = h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 12);
        using HttpResponseMessage first = await h.Client.GetAsync("status", ct);

        Assert.Equal(12, admitted);
        Assert.Equal(60 - 13, Header(first, "X-RateLimit-Remaining"));
        Assert.Equal(2, h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 10)); // only 15 - 13 tokens were left
        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(1, h.Simulator.Requests.Count(r => r.StatusCode == 200)); // other clients' requests are not ours
    }

    [Fact]
    public async Task Keys_have_independent_budgets()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Keys.Add(new SimulatedApiKey("cv_test_a", SimulatedTier.Starter));
            o.Keys.Add(new SimulatedApiKey("cv_test_b", SimulatedTier.Professional));
        }, ct);
        h.Simulator.RateLimits.SpendAsOtherClient("cv_test_a", 15);

        using HttpResponseMessage a = await h.CreateClient("cv_test_a").GetAsync("status", ct);
        using HttpResponseMessage b = await h.CreateClient("cv_test_b").GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(299, Header(b, "X-RateLimit-Remaining"));
        Assert.Equal(50, Header(b, "X-RateLimit-Burst"));
        Assert.Equal(["key-1", "key-2"], h.Simulator.Requests.Snapshot().Select(r => r.KeyId));
    }

    [Fact]
    public async Task Refused_requests_consume_nothing()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Starter, ct);
        h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 15);
        for (int i = 0; i < 5; i++)
        {
            using HttpResponseMessage r = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
        }

        RateLimitState state = h.Simulator.RateLimits.Peek(h.Key);

        Assert.Equal(45, state.Remaining);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage ok = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Every_authenticated_response_carries_the_three_headers_including_errors()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new ServerError());

        HttpResponseMessage[] responses =
        [
            await h.Client.GetAsync("status", ct),
            await h.Client.GetAsync("alerts", ct),
            await h.Client.GetAsync("alerts?limit=999", ct),
            await h.Client.PostAsync("alerts", SimHarness.Json("{}"), ct),
            await h.Client.GetAsync("nowhere", ct),
        ];

        Assert.Equal([500, 200, 400, 400, 404], responses.Select(r => (int)r.StatusCode));
        foreach (HttpResponseMessage r in responses)
        {
            Assert.True(r.Headers.Contains("X-RateLimit-Remaining"));
            Assert.True(r.Headers.Contains("X-RateLimit-Reset"));
            Assert.True(r.Headers.Contains("X-RateLimit-Burst"));
            r.Dispose();
        }
    }

    [Fact]
    public async Task The_window_opens_at_the_first_request_and_a_new_one_opens_after_a_minute()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Professional, ct);
        h.Time.Advance(TimeSpan.FromSeconds(17));
        using HttpResponseMessage first = await h.Client.GetAsync("status", ct);
        Assert.Equal((SimHarness.Start + TimeSpan.FromSeconds(77)).ToUnixTimeSeconds(), EpochHeader(first, "X-RateLimit-Reset"));

        h.Time.Advance(TimeSpan.FromSeconds(60));
        using HttpResponseMessage next = await h.Client.GetAsync("status", ct);

        Assert.Equal(299, Header(next, "X-RateLimit-Remaining"));
        Assert.Equal((SimHarness.Start + TimeSpan.FromSeconds(137)).ToUnixTimeSeconds(), EpochHeader(next, "X-RateLimit-Reset"));
    }

    [Fact]
    public async Task Concurrent_requests_never_exceed_the_burst()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await StartWithAsync(SimulatedTier.Starter, ct);

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => h.Client.GetAsync("status", ct)));

        Assert.Equal(15, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(25, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        foreach (HttpResponseMessage r in responses)
        {
            r.Dispose();
        }
    }
}
