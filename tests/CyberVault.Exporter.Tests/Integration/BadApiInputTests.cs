using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Polling;
using CyberVault.Simulator;

namespace CyberVault.Exporter.Tests.Integration;

/// <summary>
/// Every documented field of /v2/status and /v2/alerts with a wrong type, a huge or negative number or an out-of-range
/// value, pages longer than asked for or of many megabytes, and nesting beyond the bound, served by the simulator
/// over HTTPS: each is one counted (reason malformed) and logged error naming the field, the last good values stay,
/// and the next good answer is taken again.
/// </summary>
public class BadApiInputTests
{
    private const int CollectorFailedEvent = 3200;
    private const int PageSize = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Status(string threat = "4", string active = "12", string status = "\"degraded\"", string lastScan = "\"2026-01-05T09:47:00Z\"", string region = "\"eu-west-1\"", string extra = "") =>
        $$"""{"status":{{status}},"threat_level":{{threat}},"active_alerts":{{active}},"last_scan":{{lastScan}},"region":{{region}}{{extra}}}""";

    private static string Page(string item, string hasMore = "false", string nextCursor = "null") =>
        $$"""{"data":[{{item}}],"next_cursor":{{nextCursor}},"has_more":{{hasMore}}}""";

    private static string Item(string id = "\"alr_1\"", string severity = "\"high\"", string status = "\"open\"", string createdAt = "\"2026-01-05T09:00:00Z\"") =>
        $$"""{"id":{{id}},"severity":{{severity}},"status":{{status}},"type":"intrusion","asset_id":"srv_1","created_at":{{createdAt}}}""";

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth));

    public static TheoryData<string, string, string> StatusBodies => new()
    {
        { "status a number", Status(status: "5"), "field $.status is not valid" },
        { "status missing", """{"threat_level":1,"active_alerts":0}""", "field status is missing" },
        { "threat_level a string", Status(threat: "\"high\""), "field $.threat_level is not valid" },
        { "threat_level 11", Status(threat: "11"), "field threat_level is 11, outside 0-10" },
        { "threat_level -1", Status(threat: "-1"), "field threat_level is -1, outside 0-10" },
        { "threat_level huge", Status(threat: "99999999999999999999999"), "field $.threat_level is not valid" },
        { "threat_level a fraction", Status(threat: "2.5"), "field $.threat_level is not valid" },
        { "active_alerts a string", Status(active: "\"many\""), "field $.active_alerts is not valid" },
        { "active_alerts negative", Status(active: "-4"), "field active_alerts is -4, negative" },
        { "active_alerts huge", Status(active: "1e400"), "field $.active_alerts is not valid" },
        { "last_scan a number", Status(lastScan: "1767606420"), "field $.last_scan is not valid" },
        { "last_scan not a date", Status(lastScan: "\"yesterday\""), "field $.last_scan is not valid" },
        { "region an object", Status(region: """{"name":"eu"}"""), "field $.region is not valid" },
        { "the body an array", "[1,2,3]", "the body is not valid" },
        { "the body JSON null", "null", "the body is JSON null" },
        { "nesting 200 deep", Status(extra: ",\"x\":" + Nested(200)), "nesting deeper than 16" },
        { "a body of 17 MB", Status(extra: ",\"pad\":\"" + new string('x', 17_500_000) + "\""), $"the body is larger than {ResponseReader.MaxBodyBytes} bytes" },
    };

    public static TheoryData<string, string, string> AlertBodies => new()
    {
        { "data an object", """{"data":{},"next_cursor":null,"has_more":false}""", "field $.data is not valid" },
        { "data missing", """{"next_cursor":null,"has_more":false}""", "field data is missing" },
        { "an item null", Page("null"), "field data[0] is null" },
        { "id a number", Page(Item(id: "7")), "field data[0].id is not valid" },
        { "id missing", Page("""{"severity":"high","status":"open"}"""), "field data[0].id is missing" },
        { "severity a number", Page(Item(severity: "3")), "field data[0].severity is not valid" },
        { "status an object", Page(Item(status: """{"s":"open"}""")), "field data[0].status is not valid" },
        { "created_at not a date", Page(Item(createdAt: "\"soon\"")), "field data[0].created_at is not valid" },
        { "next_cursor a number", Page(Item(), hasMore: "true", nextCursor: "5"), "field $.next_cursor is not valid" },
        { "has_more a string", Page(Item(), hasMore: "\"yes\""), "field $.has_more is not valid" },
        { "has_more without a cursor", Page(Item(), hasMore: "true"), "field next_cursor is missing while has_more is true" },
        {
            "more items than the limit", Page(string.Join(',', Enumerable.Range(0, PageSize + 1).Select(i => Item(id: $"\"alr_{i}\"")))),
            $"field data has {PageSize + 1} items, more than the limit of {PageSize} the request asked for"
        },
        {
            "a million items", Page(string.Join(',', Enumerable.Repeat("{}", 1_000_000))),
            $"field data has more than {BoundedAlertListConverter.MaxItems} items"
        },
        { "a page of 17 MB", Page(Item(id: "\"" + new string('a', 17_500_000) + "\"")), $"the body is larger than {ResponseReader.MaxBodyBytes} bytes" },
        { "nesting 200 deep in an item", Page(Item().TrimEnd('}') + ",\"x\":" + Nested(200) + "}"), "nesting deeper than 16" },
    };

    [Theory]
    [MemberData(nameof(StatusBodies))]
    public async Task A_bad_status_answer_is_a_counted_logged_error_and_the_last_good_status_stays(string name, string body, string problem)
    {
        await using var h = await SimulatorHarness.StartAsync(s => s.ThreatLevel = 6);
        var (poller, runtime) = h.Poller(h.Target());
        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));
        var good = poller.BuildSnapshot().Status;
        Assert.Equal(6, good!.ThreatLevel);

        h.Simulator.Faults.Enqueue(new ReplaceBody(body, "/v2/status"));
        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));

        var bad = poller.BuildSnapshot();
        Assert.False(bad.Up, name);
        Assert.Same(good, bad.Status);
        Assert.False(bad.Collectors[TargetPoller.StatusCollector].Success);
        Assert.Equal(1, bad.CollectorFailures[(TargetPoller.StatusCollector, "malformed")]);
        AssertOneLineNaming(h, "collector status failed: malformed response: ", problem);

        await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));
        Assert.True(poller.BuildSnapshot().Up);
        Assert.Single(runtime.Failures.Snapshot());
    }

    [Theory]
    [MemberData(nameof(AlertBodies))]
    public async Task A_bad_alerts_page_is_a_counted_logged_error_and_the_last_complete_counts_stay(string name, string body, string problem)
    {
        await using var h = await SimulatorHarness.StartAsync(s => s.AlertCounts[("high", "open")] = 30);
        var (poller, runtime) = h.Poller(h.Target(new PollingConfig { PageSize = PageSize }));
        await h.DriveAsync(poller.SweepOnceAsync(Ct), TimeSpan.FromMinutes(1));
        var good = poller.BuildSnapshot().Alerts;
        Assert.Equal(30, good!.Counts[("high", "open")]);

        h.Simulator.Faults.Enqueue(new ReplaceBody(body, "/v2/alerts"));
        await h.DriveAsync(poller.SweepOnceAsync(Ct), TimeSpan.FromMinutes(1));

        var bad = poller.BuildSnapshot();
        Assert.Same(good, bad.Alerts);
        Assert.False(bad.Collectors[TargetPoller.AlertsCollector].Success, name);
        Assert.Equal(1, bad.CollectorFailures[(TargetPoller.AlertsCollector, "malformed")]);
        AssertOneLineNaming(h, "collector alerts failed: status open, page 1: malformed response: ", problem);

        await h.DriveAsync(poller.SweepOnceAsync(Ct), TimeSpan.FromMinutes(1));
        Assert.True(poller.BuildSnapshot().Collectors[TargetPoller.AlertsCollector].Success);
        Assert.Single(runtime.Failures.Snapshot());
    }

    private static void AssertOneLineNaming(SimulatorHarness h, string prefix, string problem)
    {
        var lines = h.Logs.GetSnapshot();
        var failed = Assert.Single(lines, r => r.Id.Id == CollectorFailedEvent);
        Assert.True(failed.Message.Contains(prefix, StringComparison.Ordinal), failed.Message);
        Assert.True(failed.Message.Contains(problem, StringComparison.Ordinal), failed.Message);
        // The body is never quoted: a hostile server must not be able to write into the exporter's log.
        Assert.True(failed.Message.Length < 400, failed.Message);
        Assert.DoesNotContain(lines, r => r.Exception is not null);
    }
}
