using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Requests;

public sealed class RequestLogTests
{
    [Fact]
    public async Task Every_request_is_logged_with_method_path_query_status_and_a_key_label()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        (await h.Client.GetAsync("status", ct)).Dispose();
        h.Time.Advance(TimeSpan.FromSeconds(2));
        (await h.Client.GetAsync("alerts?severity=high&limit=5", ct)).Dispose();
        (await h.Client.PostAsync("alerts", SimHarness.Json("{}"), ct)).Dispose();
        (await h.CreateClient("nope").GetAsync("status", ct)).Dispose();

        IReadOnlyList<RequestRecord> log = h.Simulator.Requests.Snapshot();
        Assert.Equal(
            [
                new RequestRecord(SimHarness.Start, "GET", "/v2/status", "", 200, "key-1"),
                new RequestRecord(SimHarness.Start.AddSeconds(2), "GET", "/v2/alerts", "?severity=high&limit=5", 200, "key-1"),
                new RequestRecord(SimHarness.Start.AddSeconds(2), "POST", "/v2/alerts", "", 400, "key-1"),
                new RequestRecord(SimHarness.Start.AddSeconds(2), "GET", "/v2/status", "", 401, null),
            ],
            log);
        Assert.Equal(2, h.Simulator.Requests.Count(r => r.Path == "/v2/alerts"));
        Assert.Equal(4, h.Simulator.Requests.Count());
        h.Simulator.Requests.Clear();
        Assert.Equal(0, h.Simulator.Requests.Count());
    }

    [Fact]
    public async Task The_key_never_appears_in_the_request_log()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Keys.Add(new SimulatedApiKey("cv_live_8xK9mP2nQ7vR4wL1", SimulatedTier.Starter)), ct);

        (await h.Client.GetAsync("status", ct)).Dispose();
        (await h.Client.GetAsync("alerts?limit=1", ct)).Dispose();
        // A careless client that also puts its key in the URL.
        (await h.Client.GetAsync("alerts?api_key=cv_live_8xK9mP2nQ7vR4wL1&limit=1", ct)).Dispose();
        (await h.CreateClient(null).GetAsync("cv_live_8xK9mP2nQ7vR4wL1/status", ct)).Dispose();
        h.Simulator.RateLimits.SpendAsOtherClient(h.Key, 20);
        using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);

        string everything = JsonSerializer.Serialize(h.Simulator.Requests.Snapshot().Select(r => r.ToString()));
        Assert.DoesNotContain("8xK9mP2nQ7vR4wL1", everything, StringComparison.Ordinal);
        Assert.Equal(["key-1", "key-1", "key-1", null, "key-1"], h.Simulator.Requests.Snapshot().Select(r => r.KeyId));
        Assert.Equal("?api_key=[redacted]&limit=1", h.Simulator.Requests.Snapshot()[2].Query);
        Assert.Equal("/v2/[redacted]/status", h.Simulator.Requests.Snapshot()[3].Path);
    }
}
