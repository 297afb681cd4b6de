using System.Net;
using CyberVault.Exporter.Api;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Api;

public class CyberVaultClientTests
{
    private const string StatusJson = """{"status":"operational","threat_level":2,"active_alerts":3,"last_scan":"2025-06-14T08:22:14Z","region":"us-east-1"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (CyberVaultClient Client, TargetRuntime Runtime, RecordingObserver Observer) Create(StubHandler stub, FakeTimeProvider time)
    {
        var runtime = TestSupport.Runtime(TestSupport.Target(), time);
        var observer = new RecordingObserver();
        var http = CyberVaultHttp.CreateHttpClient(CyberVaultHttp.CreateHandlerChain(runtime, observer, time, stub));
        return (new CyberVaultClient(http, runtime, time), runtime, observer);
    }

    private static HttpResponseMessage WithRateLimit(HttpResponseMessage response, int remaining)
    {
        response.Headers.Add("X-RateLimit-Remaining", remaining.ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Headers.Add("X-RateLimit-Reset", "40");
        return response;
    }

    [Fact]
    public async Task A_status_poll_sends_the_key_only_in_the_Authorization_header_and_reads_the_headers()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(WithRateLimit(StubHandler.Json(StatusJson), 57)));
        var (client, runtime, observer) = Create(stub, time);

        var result = await client.GetStatusAsync(Ct);

        Assert.True(result.IsSuccess);
        Assert.Equal(2, result.Value.ThreatLevel);
        Assert.Equal(57, result.RateLimit!.Remaining);
        Assert.Equal(TestSupport.Start.AddSeconds(40), result.RateLimit.ResetAt);
        var (uri, auth) = Assert.Single(stub.Requests);
        Assert.Equal("https://api.test.invalid/v2/status", uri.ToString());
        Assert.Equal($"Bearer {TestSupport.Key}", auth);
        Assert.Equal(("prod", "status", "200"), Assert.Single(observer.Attempts));
        Assert.Equal(57, runtime.Budget.LastSample!.Remaining);
    }

    [Fact]
    public async Task Query_values_are_escaped_and_the_cursor_goes_in_after()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(StubHandler.Json("""{"data":[],"next_cursor":null,"has_more":false}""")));
        var (client, _, _) = Create(stub, time);

        var result = await client.GetAlertsPageAsync("open&x=1", 200, "ab+/=c d", Ct);

        Assert.True(result.IsSuccess);
        var (uri, _) = Assert.Single(stub.Requests);
        Assert.Equal("/v2/alerts?status=open%26x%3D1&limit=200&after=ab%2B%2F%3Dc%20d", uri.PathAndQuery);
        Assert.DoesNotContain(TestSupport.Key, uri.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.Found)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.PermanentRedirect)]
    public async Task A_redirect_is_reported_with_its_Location_scrubbed_and_not_followed(HttpStatusCode code)
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) =>
        {
            var response = new HttpResponseMessage(code);
            response.Headers.Location = new Uri("https://eu.api.test.invalid/v2/status?token=abc#frag");
            return Task.FromResult(response);
        });
        var (client, _, _) = Create(stub, time);

        var result = await client.GetStatusAsync(Ct);

        var redirected = Assert.IsType<ApiFailure.Redirected>(result.Failure);
        Assert.Equal("https://eu.api.test.invalid/v2/status", redirected.Location);
        Assert.Equal(1, stub.Count);
    }

    [Fact]
    public async Task A_401_is_Unauthorized_and_not_retried()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized)));
        var (client, _, _) = Create(stub, time);

        var result = await client.GetStatusAsync(Ct);

        Assert.Equal(new ApiFailure.Unauthorized(401), result.Failure);
        Assert.Equal(1, stub.Count);
    }

    [Fact]
    public async Task A_429_is_not_retried_and_gates_the_budget_until_Retry_After()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.Add("Retry-After", "12");
            return Task.FromResult(response);
        });
        var (client, runtime, _) = Create(stub, time);

        var result = await client.GetStatusAsync(Ct);

        Assert.Equal(new ApiFailure.RateLimited(TestSupport.Start.AddSeconds(12)), result.Failure);
        Assert.Equal(1, stub.Count);
        Assert.Equal(TestSupport.Start.AddSeconds(12), runtime.Budget.GateUntil);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_each_attempt_paying_into_the_budget()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, n, _) => Task.FromResult(n < 3 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : StubHandler.Json(StatusJson)));
        var (client, runtime, observer) = Create(stub, time);

        var call = client.GetStatusAsync(Ct);
        await TestSupport.DriveAsync(time, call, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        Assert.True((await call).IsSuccess);
        Assert.Equal(3, stub.Count);
        Assert.Equal(["503", "503", "200"], observer.Attempts.Select(a => a.Code));
        // Three tokens taken, minus what refilled (0.5/s) during the retry back-off.
        var refilled = (int)Math.Floor((time.GetUtcNow() - TestSupport.Start).TotalSeconds * 0.5);
        Assert.Equal(Math.Min(7, 7 - 3 + refilled), runtime.Budget.AvailableTokens);
    }

    [Fact]
    public async Task Persistent_server_errors_end_as_ServerError_after_three_attempts()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)));
        var (client, _, _) = Create(stub, time);

        var call = client.GetStatusAsync(Ct);
        await TestSupport.DriveAsync(time, call, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        Assert.Equal(new ApiFailure.ServerError(500), (await call).Failure);
        Assert.Equal(1 + CyberVaultHttp.MaxRetryAttempts, stub.Count);
    }

    [Fact]
    public async Task Network_errors_are_retried_and_reported_as_network()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:9)"));
        var (client, _, observer) = Create(stub, time);

        var call = client.GetStatusAsync(Ct);
        await TestSupport.DriveAsync(time, call, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        Assert.IsType<ApiFailure.Network>((await call).Failure);
        Assert.Equal(3, stub.Count);
        Assert.All(observer.Attempts, a => Assert.Equal("network", a.Code));
    }

    [Fact]
    public async Task A_hanging_server_times_out_per_attempt_and_is_reported_as_timeout()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler(async (_, _, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        });
        var (client, _, observer) = Create(stub, time);

        var call = client.GetStatusAsync(Ct);
        await TestSupport.DriveAsync(time, call, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2));

        Assert.IsType<ApiFailure.Timeout>((await call).Failure);
        Assert.Equal(3, stub.Count);
        Assert.All(observer.Attempts, a => Assert.Equal("timeout", a.Code));
    }

    [Fact]
    public async Task A_malformed_body_is_not_retried()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(StubHandler.Json("""{"status":"operational","threat_level":99,"active_alerts":1}""")));
        var (client, _, _) = Create(stub, time);

        var result = await client.GetStatusAsync(Ct);

        Assert.Equal(new ApiFailure.Malformed("field threat_level is 99, outside 0-10"), result.Failure);
        Assert.Equal(1, stub.Count);
    }

    [Fact]
    public async Task An_unreadable_key_fails_without_sending_and_names_the_source()
    {
        var time = TestSupport.NewTime();
        var stub = new StubHandler((_, _, _) => Task.FromResult(StubHandler.Json(StatusJson)));
        var target = TestSupport.Target(keyFile: "/nonexistent/cv-key");
        var runtime = TargetRuntime.Create(target, time);
        var http = CyberVaultHttp.CreateHttpClient(CyberVaultHttp.CreateHandlerChain(runtime, new RecordingObserver(), time, stub));

        var result = await new CyberVaultClient(http, runtime, time).GetStatusAsync(Ct);

        Assert.Equal(new ApiFailure.KeyUnavailable("the API key file /nonexistent/cv-key does not exist"), result.Failure);
        Assert.Equal(0, stub.Count);
    }

    [Theory]
    [InlineData("http://api.example.com/v2", true)]
    [InlineData("http://127.0.0.1:8080/v2", false)]
    public void A_plain_HTTP_base_url_is_refused_unless_loopback_and_allowed(string url, bool allow)
    {
        var time = TestSupport.NewTime();
        var runtime = TestSupport.Runtime(TestSupport.Target(baseUrl: new Uri(url), allowInsecureHttp: allow), time);
        using var http = new HttpClient();

        var error = Assert.Throws<InvalidOperationException>(() => new CyberVaultClient(http, runtime, time));

        Assert.Contains("must be https://", error.Message, StringComparison.Ordinal);
    }
}
