using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Faults;

public sealed class FaultTests
{
    [Fact]
    public async Task ServerError_answers_500_with_a_JSON_error_for_the_next_count_responses_only()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new ServerError(), count: 2);

        int[] statuses = new int[3];
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage r = await h.Client.GetAsync("status", ct);
            statuses[i] = (int)r.StatusCode;
            if (i == 0)
            {
                JsonElement error = (await SimHarness.ReadJsonAsync(r, ct)).GetProperty("error");
                Assert.Equal("internal_error", error.GetProperty("code").GetString());
            }
        }

        Assert.Equal([500, 500, 200], statuses);
        Assert.Equal(0, h.Simulator.Faults.Pending);
    }

    [Fact]
    public async Task RateLimited_answers_429_with_the_given_Retry_After_and_the_rate_limit_headers()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(7.2)));

        using HttpResponseMessage r = await h.Client.GetAsync("alerts", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(8), r.Headers.RetryAfter?.Delta);
        Assert.True(r.Headers.Contains("X-RateLimit-Remaining"));
        Assert.Equal("rate_limited", (await SimHarness.ReadJsonAsync(r, ct)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Slow_holds_the_response_until_the_delay_has_passed_on_the_TimeProvider()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new Slow(TimeSpan.FromSeconds(10)));

        Task<HttpResponseMessage> pending = h.Client.GetAsync("status", ct);
        await SimHarness.WaitUntilAsync(() => h.Simulator.Faults.SlowRequestsWaiting == 1, ct);
        h.Time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(100, ct);
        Assert.False(pending.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage r = await pending;

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("operational", (await SimHarness.ReadJsonAsync(r, ct)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Slow_gives_up_when_the_client_aborts()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new Slow(TimeSpan.FromMinutes(5)));
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);

        Task<HttpResponseMessage> pending = h.Client.GetAsync("status", abort.Token);
        await SimHarness.WaitUntilAsync(() => h.Simulator.Faults.SlowRequestsWaiting == 1, ct);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await SimHarness.WaitUntilAsync(() => h.Simulator.Faults.SlowRequestsWaiting == 0 && h.Simulator.Requests.Count() == 1, ct);
        Assert.Equal(0, h.Simulator.Requests.Snapshot()[0].StatusCode);
    }

    [Fact]
    public async Task Disposing_the_simulator_releases_a_request_held_by_Slow_promptly()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new Slow(TimeSpan.FromHours(1)));
        Task<HttpResponseMessage> pending = h.Client.GetAsync("status", ct);
        await SimHarness.WaitUntilAsync(() => h.Simulator.Faults.SlowRequestsWaiting == 1, ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await h.Simulator.DisposeAsync(); // the simulator alone: disposing the client would abort the request itself

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"disposal took {clock.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task MalformedJson_keeps_the_status_and_content_type_but_the_body_does_not_parse()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new MalformedJson());

        using HttpResponseMessage r = await h.Client.GetAsync("alerts?limit=5", ct);
        string body = await r.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("{\"data\":[", body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task TruncatedBody_declares_the_full_length_then_cuts_the_connection()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new TruncatedBody());

        using HttpResponseMessage r = await h.Client.GetAsync("alerts", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        long? declared = r.Content.Headers.ContentLength;
        Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => r.Content.ReadAsByteArrayAsync(ct));

        Assert.True(declared > 100);
        Assert.True(ex is HttpRequestException or IOException, ex.GetType().Name);
        using HttpResponseMessage next = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task DropConnection_aborts_without_any_response()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new DropConnection());

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Client.GetAsync("status", ct));

        await SimHarness.WaitUntilAsync(() => h.Simulator.Requests.Count() == 1, ct);
        Assert.Equal(0, h.Simulator.Requests.Snapshot()[0].StatusCode);
        using HttpResponseMessage next = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task RepeatCursor_hands_back_the_cursor_it_was_given()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        Api.AlertListTests.Page first = await Api.AlertListTests.GetPageAsync(h.Client, "?limit=10", ct);
        h.Simulator.Faults.Enqueue(new RepeatCursor());

        Api.AlertListTests.Page second = await Api.AlertListTests.GetPageAsync(h.Client, "?limit=10&after=" + first.NextCursor, ct);
        Api.AlertListTests.Page normal = await Api.AlertListTests.GetPageAsync(h.Client, "?limit=10&after=" + first.NextCursor, ct);

        Assert.Equal(first.NextCursor, second.NextCursor);
        Assert.True(second.HasMore);
        Assert.Equal(normal.Items, second.Items);
        Assert.NotEqual(first.NextCursor, normal.NextCursor);
    }

    [Fact]
    public async Task RepeatCursor_on_a_first_page_returns_a_cursor_that_yields_the_first_page_again()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 1, ct);
        h.Simulator.Faults.Enqueue(new RepeatCursor());

        using (HttpResponseMessage status = await h.Client.GetAsync("status", ct))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode); // not an alert listing: the fault waits
        }
        Api.AlertListTests.Page first = await Api.AlertListTests.GetPageAsync(h.Client, "?limit=50", ct);
        Api.AlertListTests.Page again = await Api.AlertListTests.GetPageAsync(h.Client, "?limit=50&after=" + Uri.EscapeDataString(first.NextCursor!), ct);

        Assert.True(first.HasMore);
        Assert.Equal(16, first.Items.Count);
        Assert.Equal(first.Items, again.Items);
        Assert.False(again.HasMore);
    }

    [Fact]
    public async Task Faults_apply_in_order_and_Clear_removes_the_rest()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Faults.Enqueue(new ServerError());
        h.Simulator.Faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(3)));
        h.Simulator.Faults.Enqueue(new ServerError(), 5);

        using HttpResponseMessage a = await h.Client.GetAsync("status", ct);
        using HttpResponseMessage b = await h.Client.GetAsync("status", ct);
        Assert.Equal(5, h.Simulator.Faults.Pending);
        h.Simulator.Faults.Clear();
        using HttpResponseMessage c = await h.Client.GetAsync("status", ct);

        Assert.Equal([500, 429, 200], new[] { a, b, c }.Select(r => (int)r.StatusCode));
    }

    [Fact]
    public async Task Unauthenticated_and_rate_limited_requests_do_not_consume_a_fault()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Keys.Add(new SimulatedApiKey("cv_starter", SimulatedTier.Starter)), ct);
        h.Simulator.Faults.Enqueue(new ServerError());
        h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 15);

        using HttpResponseMessage anonymous = await h.CreateClient(null).GetAsync("status", ct);
        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage faulted = await h.Client.GetAsync("status", ct);

        Assert.Equal([401, 429, 500], new[] { anonymous, limited, faulted }.Select(r => (int)r.StatusCode));
    }

    [Fact]
    public void Invalid_faults_are_refused()
    {
        var faults = new FaultInjector();

        Assert.Throws<ArgumentOutOfRangeException>(() => faults.Enqueue(new ServerError(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => faults.Enqueue(new Slow(TimeSpan.FromSeconds(-1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => faults.Enqueue(new RateLimited(TimeSpan.FromSeconds(-1))));
        Assert.Throws<ArgumentNullException>(() => faults.Enqueue(null!));
        Assert.Equal(0, faults.Pending);
    }

    [Fact]
    public async Task ReplaceBody_keeps_the_real_status_and_sends_the_given_body_chunked_to_its_path_only()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        string big = "{\"data\":[" + string.Concat(Enumerable.Repeat("\"x\",", 100_000)) + "\"x\"]}";
        h.Simulator.Faults.Enqueue(new ReplaceBody(big, "/v2/alerts"));

        using HttpResponseMessage status = await h.Client.GetAsync("status", ct);
        using HttpResponseMessage alerts = await h.Client.GetAsync("alerts", HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal("operational", (await SimHarness.ReadJsonAsync(status, ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, alerts.StatusCode);
        Assert.Null(alerts.Content.Headers.ContentLength);
        Assert.True(alerts.Headers.TransferEncodingChunked);
        Assert.Equal(big, await alerts.Content.ReadAsStringAsync(ct));
        Assert.Equal(0, h.Simulator.Faults.Pending);
    }

    [Fact]
    public async Task A_revoked_key_gets_401_until_it_is_reinstated()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        h.Simulator.RateLimits.SetRevoked(h.Key);
        using HttpResponseMessage revoked = await h.Client.GetAsync("status", ct);
        h.Simulator.RateLimits.SetRevoked(h.Key, revoked: false);
        using HttpResponseMessage reinstated = await h.Client.GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reinstated.StatusCode);
        Assert.Equal([null, "key-1"], h.Simulator.Requests.Snapshot().Select(r => r.KeyId));
    }
}
