using System.Net;

namespace CyberVault.Simulator.Tests.Api;

public sealed class PlainHttpRedirectTests
{
    [Theory]
    [InlineData("GET", "/v2/status", "")]
    [InlineData("GET", "/v2/alerts", "?severity=high&limit=10")]
    [InlineData("POST", "/v2/alerts", "")]
    [InlineData("GET", "/anything/else", "?a=1")]
    public async Task Plain_HTTP_answers_301_to_the_same_path_and_query_on_HTTPS(string method, string path, string query)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.HttpPort = 0, ct);
        Assert.NotNull(h.Simulator.PlainHttpUrl);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(h.Simulator.PlainHttpUrl, path + query));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + h.Key);
        if (method == "POST")
        {
            request.Content = SimHarness.Json("""{"type":"xss","asset_id":"srv_x","severity":"high"}""");
        }
        int alertsBefore = h.Simulator.World.CountAlerts(null, null);

        using HttpResponseMessage response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        string httpsOrigin = h.Simulator.BaseUrl.GetLeftPart(UriPartial.Authority);
        Assert.Equal(new Uri(httpsOrigin + path + query), response.Headers.Location);
        // Not processed: nothing created, no rate limit spent, no key recognised.
        Assert.Equal(alertsBefore, h.Simulator.World.CountAlerts(null, null));
        Assert.False(response.Headers.Contains("X-RateLimit-Remaining"));
        RateLimitState state = h.Simulator.RateLimits.Peek(h.Key);
        Assert.Equal(state.RequestsPerMinute, state.Remaining);
        RequestRecord record = Assert.Single(h.Simulator.Requests.Snapshot());
        Assert.Equal((301, (string?)null, path), (record.StatusCode, record.KeyId, record.Path));
    }

    [Fact]
    public async Task Plain_HTTP_redirects_even_without_any_credentials()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.HttpPort = 0, ct);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        using HttpResponseMessage response = await client.GetAsync(new Uri(h.Simulator.PlainHttpUrl!, "/v2/status"), ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(h.Simulator.BaseUrl + "/status", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task No_plain_listener_is_started_when_HttpPort_is_minus_one()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.HttpPort = -1, ct);

        Assert.Null(h.Simulator.PlainHttpUrl);
    }
}
