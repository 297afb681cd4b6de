using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Polling;

namespace CyberVault.Exporter.Tests.Polling;

public class AlertSweeperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AlertSweeper Sweeper(FakeApi api, int maxPages = 1000) =>
        new(api, new PollingConfig { AlertStatuses = ["open", "investigating"], PageSize = 2, MaxPages = maxPages }, "prod");

    [Fact]
    public async Task Counts_follow_the_cursor_and_zero_fill_every_known_severity_and_polled_status()
    {
        var api = new FakeApi
        {
            Page = (status, cursor) => (status, cursor) switch
            {
                ("open", null) => FakeApi.Ok("c1", FakeApi.Alert("high", "open"), FakeApi.Alert("critical", "open")),
                ("open", "c1") => FakeApi.Ok(null, FakeApi.Alert("high", "open")),
                ("investigating", null) => FakeApi.Ok(null, FakeApi.Alert("low", "investigating")),
                _ => throw new InvalidOperationException($"unexpected {status} {cursor}"),
            },
        };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.True(result.Success);
        Assert.Equal(3, result.Pages);
        Assert.Equal(8, result.Counts!.Count);
        Assert.Equal(2, result.Counts[("high", "open")]);
        Assert.Equal(1, result.Counts[("critical", "open")]);
        Assert.Equal(0, result.Counts[("medium", "open")]);
        Assert.Equal(1, result.Counts[("low", "investigating")]);
        Assert.Equal(0, result.Counts[("critical", "investigating")]);
    }

    [Fact]
    public async Task A_repeated_cursor_ends_the_sweep_as_an_error_without_counts()
    {
        var api = new FakeApi { Page = (_, cursor) => FakeApi.Ok(cursor == null ? "c1" : "c1", FakeApi.Alert("high", "open")) };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.False(result.Success);
        Assert.Null(result.Counts);
        Assert.Contains("repeated a pagination cursor", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, result.Pages);
    }

    [Fact]
    public async Task More_than_max_pages_ends_the_sweep_as_an_error()
    {
        var n = 0;
        var api = new FakeApi { Page = (_, _) => FakeApi.Ok($"c{++n}", FakeApi.Alert("high", "open")) };

        var result = await Sweeper(api, maxPages: 5).SweepAsync(null, Ct);

        Assert.False(result.Success);
        Assert.Equal("status open: more than max_pages (5) pages; counts not updated", result.Error);
        Assert.Equal(5, api.PageRequests.Count);
    }

    [Fact]
    public async Task A_failed_page_ends_the_sweep_with_the_failure()
    {
        var api = new FakeApi
        {
            Page = (status, cursor) => status == "investigating"
                ? ApiResult<AlertsPage>.Failed(new ApiFailure.ServerError(503))
                : FakeApi.Ok(null, FakeApi.Alert("high", "open")),
        };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.False(result.Success);
        Assert.Null(result.Counts);
        Assert.Equal(new ApiFailure.ServerError(503), result.Failure);
        Assert.Equal("status investigating, page 1: server error 503", result.Error);
    }

    [Fact]
    public async Task Unknown_severities_stay_visible_sanitised_and_bounded_to_20_then_other()
    {
        var items = Enumerable.Range(0, 25).Select(i => FakeApi.Alert($"Weird-Sev {i}", "open"))
            .Append(FakeApi.Alert("Weird-Sev 0", "open"))
            .Append(FakeApi.Alert(new string('x', 50), "open"))
            .ToArray();
        var api = new FakeApi { Page = (status, _) => status == "open" ? FakeApi.Ok(null, items) : FakeApi.Ok(null) };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.True(result.Success);
        var open = result.Counts!.Where(c => c.Key.Status == "open").ToDictionary(c => c.Key.Severity, c => c.Value);
        Assert.Equal(2, open["weird_sev_0"]);
        Assert.Equal(4 + 20 + 1, open.Count);
        Assert.Equal(5 + 1, open[LabelValues.Other]);
        Assert.All(open.Keys, k => Assert.Matches("^[a-z0-9_]{1,32}$", k));
    }

    [Fact]
    public async Task An_alert_seen_twice_in_one_sweep_is_counted_once()
    {
        var twice = FakeApi.Alert("high", "open");
        var api = new FakeApi { Page = (status, cursor) => status == "open" ? (cursor is null ? FakeApi.Ok("c1", twice) : FakeApi.Ok(null, twice)) : FakeApi.Ok(null) };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.Equal(1, result.Counts![("high", "open")]);
    }

    [Fact]
    public async Task Alerts_with_another_status_count_under_their_own_status_if_polled_and_are_ignored_otherwise()
    {
        var api = new FakeApi
        {
            Page = (status, _) => status == "open"
                ? FakeApi.Ok(null, FakeApi.Alert("high", "investigating"), FakeApi.Alert("high", "resolved"), FakeApi.Alert("high", "open"))
                : FakeApi.Ok(null),
        };

        var result = await Sweeper(api).SweepAsync(null, Ct);

        Assert.Equal(1, result.Counts![("high", "open")]);
        Assert.Equal(1, result.Counts[("high", "investigating")]);
        Assert.DoesNotContain(result.Counts.Keys, k => k.Status == "resolved");
    }
}
