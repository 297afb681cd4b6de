using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Api;

public sealed class ControlEndpointTests
{
    private static async Task<(SimHarness Harness, HttpClient Control)> StartAsync(CancellationToken ct)
    {
        SimHarness h = await SimHarness.StartAsync(o => o.EnableControlEndpoint = true, ct);
        HttpClient control = h.CreateClient(null);
        control.BaseAddress = new Uri(h.Simulator.BaseUrl.GetLeftPart(UriPartial.Authority) + "/_control/");
        return (h, control);
    }

    [Fact]
    public async Task Faults_can_be_queued_and_cleared_through_the_control_endpoint()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (SimHarness h, HttpClient control) = await StartAsync(ct);
        await using (h)
        {
            using HttpResponseMessage queued = await control.PostAsync("faults", SimHarness.Json("""{"fault":"rate_limited","count":2,"retry_after_seconds":4}"""), ct);
            Assert.Equal(2, (await SimHarness.ReadJsonAsync(queued, ct)).GetProperty("queued_faults").GetInt32());

            using HttpResponseMessage limited = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(4), limited.Headers.RetryAfter?.Delta);
            (await control.DeleteAsync("faults", ct)).Dispose();
            using HttpResponseMessage ok = await h.Client.GetAsync("status", ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

            using HttpResponseMessage bad = await control.PostAsync("faults", SimHarness.Json("""{"fault":"meteor"}"""), ct);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("fault", (await SimHarness.ReadJsonAsync(bad, ct)).GetProperty("error").GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task The_world_can_be_changed_and_alerts_raised_and_resolved()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (SimHarness h, HttpClient control) = await StartAsync(ct);
        await using (h)
        {
            (await control.PostAsync("world", SimHarness.Json("""{"threat_level":9,"status":"degraded","last_scan":"2026-05-30T01:02:03Z"}"""), ct)).Dispose();
            int before = h.Simulator.World.CountAlerts("critical", "open");
            using HttpResponseMessage raised = await control.PostAsync("alerts", SimHarness.Json("""{"severity":"critical","status":"open","count":3}"""), ct);
            string id = (await SimHarness.ReadJsonAsync(raised, ct)).GetProperty("id").GetString()!;
            using HttpResponseMessage resolved = await control.PostAsync($"alerts/{id}/resolve", null, ct);
            using HttpResponseMessage again = await control.PostAsync($"alerts/{id}/resolve", null, ct);
            using HttpResponseMessage badWorld = await control.PostAsync("world", SimHarness.Json("""{"threat_level":11}"""), ct);

            JsonElement status = await SimHarness.ReadJsonAsync(await h.Client.GetAsync("status", ct), ct);
            Assert.Equal(9, status.GetProperty("threat_level").GetInt32());
            Assert.Equal("degraded", status.GetProperty("status").GetString());
            Assert.Equal("2026-05-30T01:02:03Z", status.GetProperty("last_scan").GetString());
            Assert.Equal(HttpStatusCode.Created, raised.StatusCode);
            Assert.Equal(before + 2, h.Simulator.World.CountAlerts("critical", "open"));
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, badWorld.StatusCode);
        }
    }

    [Fact]
    public async Task The_request_log_and_budget_are_visible_and_control_calls_are_not_logged_or_limited()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (SimHarness h, HttpClient control) = await StartAsync(ct);
        await using (h)
        {
            (await h.Client.GetAsync("alerts?limit=2", ct)).Dispose();
            using HttpResponseMessage spent = await control.PostAsync("spend", SimHarness.Json("""{"key_id":"key-1","requests":10}"""), ct);
            using HttpResponseMessage log = await control.GetAsync("requests", ct);
            using HttpResponseMessage state = await control.GetAsync("state", ct);

            JsonElement[] records = [.. (await SimHarness.ReadJsonAsync(log, ct)).EnumerateArray()];
            JsonElement record = Assert.Single(records);
            Assert.Equal("/v2/alerts", record.GetProperty("path").GetString());
            Assert.Equal("?limit=2", record.GetProperty("query").GetString());
            Assert.Equal(1200 - 11, (await SimHarness.ReadJsonAsync(spent, ct)).GetProperty("remaining").GetInt32());
            Assert.Equal(48, (await SimHarness.ReadJsonAsync(state, ct)).GetProperty("total_alerts").GetInt32());
            Assert.False(state.Headers.Contains("X-RateLimit-Remaining"));
            using HttpResponseMessage badKey = await control.PostAsync("spend", SimHarness.Json("""{"key_id":"key-9"}"""), ct);
            Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        }
    }

    [Fact]
    public async Task Webhooks_and_events_can_be_driven_through_the_control_endpoint()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using Webhooks.WebhookReceiver receiver = await Webhooks.WebhookReceiver.StartAsync(_ => 200, ct);
        (SimHarness h, HttpClient control) = await StartAsync(ct);
        await using (h)
        {
            using HttpResponseMessage subscribed = await control.PostAsync("webhooks",
                SimHarness.Json($$"""{"url":"{{receiver.Url}}","secret":"s3cret","events":["compliance.failed"]}"""), ct);
            Assert.Equal(HttpStatusCode.OK, subscribed.StatusCode);
            (await control.PostAsync("events", SimHarness.Json("""{"type":"asset.vulnerable"}"""), ct)).Dispose();
            (await control.PostAsync("events", SimHarness.Json("""{"type":"compliance.failed","asset_id":"srv_pci_01"}"""), ct)).Dispose();
            await SimHarness.WaitUntilAsync(() => h.Simulator.Webhooks.PendingDeliveries == 0 && !receiver.Requests.IsEmpty, ct);

            using HttpResponseMessage deliveries = await control.GetAsync("webhooks", ct);
            JsonElement delivery = Assert.Single((await SimHarness.ReadJsonAsync(deliveries, ct)).EnumerateArray());
            Assert.Equal("compliance.failed", delivery.GetProperty("event_type").GetString());
            Assert.Equal("compliance.failed", Assert.Single(receiver.Requests).EventType);
            using HttpResponseMessage badEvent = await control.PostAsync("events", SimHarness.Json("""{"type":"alert.exploded"}"""), ct);
            Assert.Equal(HttpStatusCode.BadRequest, badEvent.StatusCode);
        }
    }

    [Theory]
    [InlineData("faults", """{"fault":"server_error","count":"3"}""", "count")]
    [InlineData("faults", """{"fault":5}""", "fault")]
    [InlineData("world", """{"threat_level":"high"}""", "threat_level")]
    [InlineData("alerts", """{"severity":"high","asset_id":42}""", "asset_id")]
    [InlineData("webhooks", """{"url":"http://127.0.0.1:1/h","secret":"s","events":["alert.exploded"]}""", "events")]
    [InlineData("spend", """{"requests":1.5}""", "requests")]
    [InlineData("world", """[1]""", "body")]
    [InlineData("events", """{"type":"asset.vulnerable","asset_id":" "}""", "body")]
    public async Task Wrongly_typed_control_input_gets_400_naming_the_field(string path, string json, string field)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (SimHarness h, HttpClient control) = await StartAsync(ct);
        await using (h)
        {
            using HttpResponseMessage response = await control.PostAsync(path, SimHarness.Json(json), ct);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(field, (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error").GetProperty("field").GetString());
            Assert.Equal(0, h.Simulator.Faults.Pending);
        }
    }

    [Fact]
    public async Task The_control_endpoint_is_absent_unless_enabled()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        using HttpClient control = new(SimulatorTrust.CreateHandler(h.Simulator.CaCertificate));

        using HttpResponseMessage response = await control.PostAsync(
            h.Simulator.BaseUrl.GetLeftPart(UriPartial.Authority) + "/_control/faults", SimHarness.Json("""{"fault":"server_error"}"""), ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, h.Simulator.Faults.Pending);
    }
}
