using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Api;

public sealed class AlertListTests
{
    internal sealed record Page(List<(string Id, DateTimeOffset CreatedAt, string Severity, string Status)> Items, string? NextCursor, bool HasMore);

    internal static async Task<Page> GetPageAsync(HttpClient client, string query, CancellationToken ct)
    {
        using HttpResponseMessage response = await client.GetAsync("alerts" + query, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await SimHarness.ReadJsonAsync(response, ct);
        var items = body.GetProperty("data").EnumerateArray().Select(a => (
            a.GetProperty("id").GetString()!,
            DateTimeOffset.Parse(a.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture),
            a.GetProperty("severity").GetString()!,
            a.GetProperty("status").GetString()!)).ToList();
        JsonElement next = body.GetProperty("next_cursor");
        return new Page(items, next.ValueKind == JsonValueKind.Null ? null : next.GetString(), body.GetProperty("has_more").GetBoolean());
    }

    /// <summary>Follows next_cursor until has_more is false; bounded so a bug cannot loop forever.</summary>
    internal static async Task<(List<string> Ids, int Requests)> WalkAsync(HttpClient client, string filter, int limit, CancellationToken ct, Func<Task>? betweenPages = null)
    {
        var ids = new List<string>();
        string? cursor = null;
        int requests = 0;
        while (requests < 1000)
        {
            string query = $"?limit={limit}{filter}" + (cursor is null ? string.Empty : "&after=" + Uri.EscapeDataString(cursor));
            Page page = await GetPageAsync(client, query, ct);
            requests++;
            ids.AddRange(page.Items.Select(i => i.Id));
            Assert.Equal(page.HasMore, page.NextCursor is not null);
            if (!page.HasMore)
            {
                return (ids, requests);
            }
            cursor = page.NextCursor;
            if (betweenPages is not null)
            {
                await betweenPages();
            }
        }
        throw new InvalidOperationException("Pagination did not end.");
    }

    [Fact]
    public async Task Alerts_come_newest_first_with_every_documented_field()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.GetAsync("alerts", ct);
        JsonElement body = await SimHarness.ReadJsonAsync(response, ct);

        JsonElement[] data = [.. body.GetProperty("data").EnumerateArray()];
        Assert.Equal(48, data.Length); // 3 per (severity x status), under the default limit of 50
        Assert.False(body.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("next_cursor").ValueKind);
        foreach (JsonElement alert in data)
        {
            Assert.StartsWith("alt_", alert.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Contains(alert.GetProperty("severity").GetString(), new[] { "critical", "high", "medium", "low" });
            Assert.Contains(alert.GetProperty("status").GetString(), new[] { "open", "investigating", "resolved", "dismissed" });
            Assert.False(string.IsNullOrEmpty(alert.GetProperty("type").GetString()));
            Assert.False(string.IsNullOrEmpty(alert.GetProperty("asset_id").GetString()));
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", alert.GetProperty("created_at").GetString()!);
        }
        string[] expectedOrder = [.. h.Simulator.World.AllAlerts().OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id, StringComparer.Ordinal).Select(a => a.Id)];
        Assert.Equal(expectedOrder, data.Select(a => a.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task The_default_page_size_is_50()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 4, ct);

        Page page = await GetPageAsync(h.Client, string.Empty, ct);

        Assert.Equal(50, page.Items.Count);
        Assert.True(page.HasMore);
    }

    [Theory]
    [InlineData("critical", null)]
    [InlineData(null, "investigating")]
    [InlineData("low", "dismissed")]
    public async Task Filters_return_only_and_all_matching_alerts(string? severity, string? status)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Scenario.AlertsPerSeverityAndStatus = 7;
            o.Scenario.AlertCounts[("low", "dismissed")] = 11;
        }, ct);
        string filter = (severity is null ? string.Empty : "&severity=" + severity) + (status is null ? string.Empty : "&status=" + status);

        (List<string> ids, _) = await WalkAsync(h.Client, filter, 5, ct);

        string[] expected = [.. h.Simulator.World.AllAlerts()
            .Where(a => (severity is null || a.Severity == severity) && (status is null || a.Status == status))
            .Select(a => a.Id)];
        Assert.Equal(expected, ids);
        Assert.Equal(h.Simulator.World.CountAlerts(severity, status), ids.Count);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(199, 1)]
    [InlineData(200, 1)]
    [InlineData(201, 2)]
    [InlineData(400, 2)]
    [InlineData(401, 3)]
    public async Task Has_more_is_exact_so_n_alerts_cost_ceil_n_over_p_requests(int n, int expectedRequests)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Scenario.AlertsPerSeverityAndStatus = 0;
            o.Scenario.AlertCounts[("high", "open")] = n;
        }, ct);

        (List<string> ids, int requests) = await WalkAsync(h.Client, string.Empty, 200, ct);

        Assert.Equal(n, ids.Count);
        Assert.Equal(expectedRequests, requests);
        Assert.Equal(expectedRequests, h.Simulator.Requests.Count(r => r.Path == "/v2/alerts"));
    }

    [Fact]
    public async Task Walking_10000_alerts_at_limit_200_sees_each_exactly_once_in_50_requests()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 625, ct);
        Assert.Equal(10_000, h.Simulator.World.CountAlerts(null, null));

        (List<string> ids, int requests) = await WalkAsync(h.Client, string.Empty, 200, ct);

        Assert.Equal(50, requests);
        Assert.Equal(10_000, ids.Count);
        Assert.Equal(10_000, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(h.Simulator.World.AllAlerts().Select(a => a.Id), ids);
    }

    [Fact]
    public async Task Walking_10000_alerts_while_alerts_are_added_neither_skips_nor_repeats()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 625, ct);
        HashSet<string> before = [.. h.Simulator.World.AllAlerts().Select(a => a.Id)];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        int added = 0;
        // A concurrent writer, through the API and directly, with the clock moving, while the walk runs.
        HttpClient writer = h.CreateClient(h.Key);
        Task writing = Task.Run(async () =>
        {
            string[] severities = ["critical", "high", "medium", "low"];
            for (int i = 0; i < 400 && !stop.IsCancellationRequested; i++)
            {
                h.Simulator.World.AddAlert(severities[i % 4], i % 3 == 0 ? "investigating" : "open", "custom", $"srv_concurrent_{i}");
                using HttpResponseMessage r = await writer.PostAsync("alerts",
                    SimHarness.Json($$"""{"type":"malware","asset_id":"srv_api_{{i}}","severity":"{{severities[(i + 1) % 4]}}"}"""), ct);
                Assert.True(r.IsSuccessStatusCode);
                Interlocked.Add(ref added, 2);
                h.Time.Advance(TimeSpan.FromMilliseconds(300));
            }
        }, ct);

        (List<string> ids, int requests) = await WalkAsync(h.Client, string.Empty, 200, ct, async () =>
        {
            h.Simulator.World.AddAlert("high", "open", "custom", "srv_between_pages");
            await Task.Yield();
        });
        await stop.CancelAsync();
        await writing;

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(before.Except(ids));
        Assert.InRange(requests, 50, 50 + (Volatile.Read(ref added) / 200) + 1);
        Assert.True(Volatile.Read(ref added) > 0);
    }

    [Fact]
    public async Task A_filtered_walk_while_alerts_are_resolved_never_repeats()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Scenario.AlertsPerSeverityAndStatus = 0;
            o.Scenario.AlertCounts[("medium", "open")] = 1000;
        }, ct);
        List<string> all = [.. h.Simulator.World.AllAlerts().Select(a => a.Id)];
        int resolvedIndex = 0;

        (List<string> ids, _) = await WalkAsync(h.Client, "&status=open", 100, ct, () =>
        {
            // Resolve one alert ahead of the cursor and one behind it.
            h.Simulator.World.ResolveAlert(all[^(++resolvedIndex)]);
            h.Simulator.World.ResolveAlert(all[resolvedIndex - 1]);
            return Task.CompletedTask;
        });

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Contains(id, all));
        Assert.True(ids.Count < 1000);
    }

    [Theory]
    [InlineData("?severity=urgent", "severity")]
    [InlineData("?severity=", "severity")]
    [InlineData("?severity=HIGH", "severity")]
    [InlineData("?severity=high&severity=low", "severity")]
    [InlineData("?status=closed", "status")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=201", "limit")]
    [InlineData("?limit=1000", "limit")]
    [InlineData("?limit=-5", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?limit=1.5", "limit")]
    [InlineData("?limit=", "limit")]
    [InlineData("?after=garbage", "after")]
    [InlineData("?after=", "after")]
    [InlineData("?after=eyJwYWdlIjoyLCJ0aW1lc3RhbXAiOjE3MTgzNDU2MzF9", "after")]
    public async Task Bad_query_parameters_get_400_naming_the_parameter(string query, string field)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using HttpResponseMessage response = await h.Client.GetAsync("alerts" + query, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = (await SimHarness.ReadJsonAsync(response, ct)).GetProperty("error");
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_cursor_gets_400()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        Page first = await GetPageAsync(h.Client, "?limit=5", ct);
        char[] cursor = first.NextCursor!.ToCharArray();
        cursor[12] = cursor[12] == 'A' ? 'B' : 'A';

        using HttpResponseMessage response = await h.Client.GetAsync("alerts?limit=5&after=" + new string(cursor), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_cursor_from_another_simulator_instance_gets_400()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness a = await SimHarness.StartAsync(cancellationToken: ct);
        await using SimHarness b = await SimHarness.StartAsync(cancellationToken: ct);
        Page first = await GetPageAsync(a.Client, "?limit=5", ct);

        using HttpResponseMessage response = await b.Client.GetAsync("alerts?limit=5&after=" + first.NextCursor, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Limit_200_is_accepted_and_limit_1_pages_one_at_a_time()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(o => o.Scenario.AlertsPerSeverityAndStatus = 1, ct);

        Page big = await GetPageAsync(h.Client, "?limit=200", ct);
        (List<string> ids, int requests) = await WalkAsync(h.Client, string.Empty, 1, ct);

        Assert.Equal(16, big.Items.Count);
        Assert.Equal(big.Items.Select(i => i.Id), ids);
        Assert.Equal(16, requests);
    }
}
