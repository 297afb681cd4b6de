using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Api;

public sealed class AlertCreateTests
{
    [Fact]
    public async Task Posting_a_valid_alert_returns_201_with_the_alert_and_lists_it_first()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.PostAsync("alerts",
            SimHarness.Json("""{"type":"xss","asset_id":"srv_web_09","severity":"critical","payload":{"scanner":"zap","proof":[1,2]}}"""), ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement alert = await SimHarness.ReadJsonAsync(response, ct);
        Assert.Equal("xss", alert.GetProperty("type").GetString());
        Assert.Equal("srv_web_09", alert.GetProperty("asset_id").GetString());
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal("open", alert.GetProperty("status").GetString());
        Assert.Equal("2026-06-01T12:00:00Z", alert.GetProperty("created_at").GetString());
        AlertListTests.Page first = await AlertListTests.GetPageAsync(h.Client, "?limit=1", ct);
        Assert.Equal(alert.GetProperty("id").GetString(), first.Items[0].Id);
    }

    [Fact]
    public async Task A_duplicate_of_a_still_open_alert_is_folded_into_it_with_200()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        const string body = """{"type":"brute_force","asset_id":"srv_ssh_01","severity":"high"}""";
        using HttpResponseMessage first = await h.Client.PostAsync("alerts", SimHarness.Json(body), ct);
        string id = (await SimHarness.ReadJsonAsync(first, ct)).GetProperty("id").GetString()!;
        int count = h.Simulator.World.CountAlerts(null, null);

        using HttpResponseMessage again = await h.Client.PostAsync("alerts", SimHarness.Json(body), ct);
        using HttpResponseMessage otherSeverity = await h.Client.PostAsync("alerts",
            SimHarness.Json("""{"type":"brute_force","asset_id":"srv_ssh_01","severity":"low"}"""), ct);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await SimHarness.ReadJsonAsync(again, ct)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Created, otherSeverity.StatusCode);
        Assert.Equal(count + 1, h.Simulator.World.CountAlerts(null, null));
    }

    [Fact]
    public async Task Once_the_alert_is_resolved_the_same_finding_creates_a_new_alert()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        const string body = """{"type":"csrf","asset_id":"srv_app_02","severity":"medium"}""";
        using HttpResponseMessage first = await h.Client.PostAsync("alerts", SimHarness.Json(body), ct);
        string id = (await SimHarness.ReadJsonAsync(first, ct)).GetProperty("id").GetString()!;
        Assert.True(h.Simulator.World.ResolveAlert(id));

        using HttpResponseMessage again = await h.Client.PostAsync("alerts", SimHarness.Json(body), ct);

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.NotEqual(id, (await SimHarness.ReadJsonAsync(again, ct)).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"asset_id":"a","severity":"high"}""", "type", "required")]
    [InlineData("""{"type":"sql_injection","asset_id":"a","severity":"high"}""", "type", "one of")]
    [InlineData("""{"type":7,"asset_id":"a","severity":"high"}""", "type", "string")]
    [InlineData("""{"type":"xss","severity":"high"}""", "asset_id", "required")]
    [InlineData("""{"type":"xss","asset_id":"  ","severity":"high"}""", "asset_id", "non-empty")]
    [InlineData("""{"type":"xss","asset_id":"a"}""", "severity", "required")]
    [InlineData("""{"type":"xss","asset_id":"a","severity":"severe"}""", "severity", "one of")]
    [InlineData("""{"type":"xss","asset_id":"a","severity":"high","payload":"text"}""", "payload", "object")]
    [InlineData("""[1,2]""", "body", "object")]
    [InlineData("""{"type":"xss",""", "body", "not valid JSON")]
    [InlineData("", "body", "not valid JSON")]
    public async Task An_invalid_alert_gets_400_naming_the_bad_field(string json, string field, string hint)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        int count = h.Simulator.World.CountAlerts(null, null);

        using HttpResponseMessage response = await h.Client.PostAsync("alerts", SimHarness.Json(json), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error");
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(hint, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(count, h.Simulator.World.CountAlerts(null, null));
    }

    [Fact]
    public async Task A_non_JSON_content_type_gets_415()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.PostAsync("alerts", new StringContent("type=xss"), ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_batch_returns_a_result_per_item_creating_folding_and_rejecting()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        const string batch = """
            {"alerts":[
              {"type":"malware","asset_id":"wks_1","severity":"critical"},
              {"type":"malware","asset_id":"wks_1","severity":"critical"},
              {"type":"phishing","asset_id":"wks_2","severity":"low"},
              {"type":"custom","asset_id":"wks_3","severity":"low","payload":{"k":"v"}}
            ]}
            """;
        int count = h.Simulator.World.CountAlerts(null, null);

        using HttpResponseMessage response = await h.Client.PostAsync("alerts/batch", SimHarness.Json(batch), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement[] results = [.. (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("results").EnumerateArray()];
        Assert.Equal([0, 1, 2, 3], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([201, 200, 400, 201], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(results[0].GetProperty("alert").GetProperty("id").GetString(), results[1].GetProperty("alert").GetProperty("id").GetString());
        Assert.True(results[1].GetProperty("deduplicated").GetBoolean());
        Assert.Equal("alerts[2].type", results[2].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(count + 2, h.Simulator.World.CountAlerts(null, null));
    }

    [Theory]
    [InlineData("""{"alerts":[]}""", "1 to 100")]
    [InlineData("""{"items":[]}""", "alerts")]
    [InlineData("""{"alerts":{}}""", "alerts")]
    [InlineData("[]", "alerts")]
    public async Task A_malformed_batch_gets_400(string json, string hint)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.PostAsync("alerts/batch", SimHarness.Json(json), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error");
        Assert.Equal("alerts", error.GetProperty("field").GetString());
        Assert.Contains(hint, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_101_alerts_is_refused_and_100_is_accepted()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        static string Batch(int n) => "{\"alerts\":[" + string.Join(",", Enumerable.Range(0, n).Select(i =>
            $$"""{"type":"custom","asset_id":"a{{i}}","severity":"low"}""")) + "]}";

        using HttpResponseMessage tooMany = await h.Client.PostAsync("alerts/batch", SimHarness.Json(Batch(101)), ct);
        using HttpResponseMessage ok = await h.Client.PostAsync("alerts/batch", SimHarness.Json(Batch(100)), ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(100, (await SimHarness.ReadJsonAsync(ok, ct)).GetProperty("results").GetArrayLength());
    }
}
