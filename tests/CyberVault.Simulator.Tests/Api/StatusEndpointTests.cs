using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Api;

public sealed class StatusEndpointTests
{
    [Fact]
    public async Task Status_returns_the_documented_fields_in_snake_case()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Scenario.ThreatLevel = 4;
            o.Scenario.Status = "degraded";
            o.Scenario.Region = "eu-west-1";
        }, ct);

        using HttpResponseMessage response = await h.Client.GetAsync("status", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement body = await SimHarness.ReadJsonAsync(response, ct);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal(4, body.GetProperty("threat_level").GetInt32());
        Assert.Equal("eu-west-1", body.GetProperty("region").GetString());
        Assert.Equal(h.Simulator.World.ActiveAlerts, body.GetProperty("active_alerts").GetInt32());
        string lastScan = body.GetProperty("last_scan").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", lastScan);
        Assert.Equal(h.Simulator.World.LastScan, DateTimeOffset.Parse(lastScan, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Active_alerts_counts_open_and_investigating_alerts_of_the_last_24_hours()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 10, ct);
        DateTimeOffset since = h.Time.GetUtcNow() - TimeSpan.FromHours(24);
        int expected = h.Simulator.World.AllAlerts().Count(a => a.Status is "open" or "investigating" && a.CreatedAt >= since);

        JsonElement body = await SimHarness.ReadJsonAsync(await h.Client.GetAsync("status", ct), ct);

        Assert.Equal(expected, body.GetProperty("active_alerts").GetInt32());
        Assert.InRange(expected, 1, h.Simulator.World.CountAlerts(null, "open") + h.Simulator.World.CountAlerts(null, "investigating") - 1);
    }

    [Fact]
    public async Task Active_alerts_drops_to_zero_once_every_alert_is_older_than_24_hours()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        Assert.True(h.Simulator.World.ActiveAlerts > 0);

        h.Time.Advance(TimeSpan.FromHours(49));
        JsonElement body = await SimHarness.ReadJsonAsync(await h.Client.GetAsync("status", ct), ct);

        Assert.Equal(0, body.GetProperty("active_alerts").GetInt32());
    }

    [Fact]
    public async Task Status_reflects_changes_made_to_the_world()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.World.ThreatLevel = 9;
        h.Simulator.World.SystemStatus = "maintenance";
        h.Simulator.World.LastScan = new DateTimeOffset(2026, 5, 31, 8, 22, 14, TimeSpan.Zero);

        JsonElement body = await SimHarness.ReadJsonAsync(await h.Client.GetAsync("status", ct), ct);

        Assert.Equal(9, body.GetProperty("threat_level").GetInt32());
        Assert.Equal("maintenance", body.GetProperty("status").GetString());
        Assert.Equal("2026-05-31T08:22:14Z", body.GetProperty("last_scan").GetString());
    }

    [Theory]
    [InlineData("DELETE", "status", 405, "method_not_allowed")]
    [InlineData("GET", "nothing-here", 404, "not_found")]
    [InlineData("PUT", "alerts", 405, "method_not_allowed")]
    public async Task Unknown_routes_and_methods_get_JSON_errors(string method, string path, int status, string code)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), ct);

        Assert.Equal(status, (int)response.StatusCode);
        JsonElement body = await SimHarness.ReadJsonAsync(response, ct);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
    }
}
