using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Api;

public sealed class AuthenticationTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer cv_wrong_key")]
    [InlineData("Bearer ")]
    [InlineData("Basic Y3ZfdGVzdDp4")]
    [InlineData("cv_test_enterprise_0001")]
    public async Task A_missing_or_wrong_key_gets_401_with_a_JSON_error(string? authorization)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        HttpClient client = h.CreateClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using HttpResponseMessage response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        JsonElement error = (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error");
        Assert.Equal("unauthorized", error.GetProperty("code").GetString());
        Assert.Contains("Bearer", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("X-RateLimit-Remaining"));
        Assert.Equal(1, h.Simulator.Requests.Count(r => r.StatusCode == 401 && r.KeyId == null));
    }

    [Fact]
    public async Task Unauthenticated_requests_do_not_spend_the_rate_limit()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        HttpClient anonymous = h.CreateClient("cv_wrong_key");
        for (int i = 0; i < 5; i++)
        {
            (await anonymous.GetAsync("status", ct)).Dispose();
        }

        RateLimitState state = h.Simulator.RateLimits.Peek(h.Key);

        Assert.Equal(state.RequestsPerMinute, state.Remaining);
        Assert.Equal(state.Burst, state.BurstTokens);
    }

    [Fact]
    public async Task The_key_is_accepted_with_a_lowercase_scheme_and_never_appears_in_a_response()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        HttpClient client = h.CreateClient(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", h.Key);

        foreach (string path in new[] { "status", "alerts?limit=3", "alerts?severity=nope", "missing" })
        {
            using HttpResponseMessage response = await client.GetAsync(path, ct);
            string text = await response.Content.ReadAsStringAsync(ct);
            Assert.DoesNotContain(h.Key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(h.Key, response.Headers.ToString(), StringComparison.Ordinal);
        }
        Assert.Equal(200, h.Simulator.Requests.Snapshot()[0].StatusCode);
    }
}
