using System.Text;
using CyberVault.Exporter.Api;

namespace CyberVault.Exporter.Tests.Api;

public class ResponseReaderTests
{
    private static async Task<(T? Value, string? Error)> Read<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, long max = ResponseReader.MaxBodyBytes)
        where T : class
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return await ResponseReader.ReadAsync(stream, info, max, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_status_with_unknown_fields_is_read()
    {
        var (status, error) = await Read("""{"status":"degraded","threat_level":7,"active_alerts":12,"last_scan":"2025-06-14T08:22:14Z","region":"eu-west-1","future_field":{"x":[1,2]}}""", CyberVaultJsonContext.Default.StatusResponse);

        Assert.Null(error);
        Assert.Null(ResponseReader.Validate(status!));
        Assert.Equal("degraded", status!.Status);
        Assert.Equal(7, status.ThreatLevel);
        Assert.Equal(12, status.ActiveAlerts);
        Assert.Equal(new DateTimeOffset(2025, 6, 14, 8, 22, 14, TimeSpan.Zero), status.LastScan);
        Assert.Equal("eu-west-1", status.Region);
    }

    [Theory]
    [InlineData("""{"status":"operational","threat_level":11,"active_alerts":0}""", "field threat_level is 11, outside 0-10")]
    [InlineData("""{"status":"operational","threat_level":-1,"active_alerts":0}""", "field threat_level is -1, outside 0-10")]
    [InlineData("""{"status":"operational","threat_level":1,"active_alerts":-4}""", "field active_alerts is -4, negative")]
    [InlineData("""{"threat_level":1,"active_alerts":0}""", "field status is missing")]
    [InlineData("""{"status":"operational","active_alerts":0}""", "field threat_level is missing")]
    [InlineData("""{"status":"operational","threat_level":1}""", "field active_alerts is missing")]
    public async Task An_invalid_status_is_malformed_naming_the_field(string json, string expected)
    {
        var (status, error) = await Read(json, CyberVaultJsonContext.Default.StatusResponse);

        Assert.Null(error);
        Assert.Equal(expected, ResponseReader.Validate(status!));
    }

    [Fact]
    public async Task A_wrong_type_names_the_field_path()
    {
        var (_, error) = await Read("""{"status":"operational","threat_level":"high","active_alerts":0}""", CyberVaultJsonContext.Default.StatusResponse);

        Assert.StartsWith("field $.threat_level is not valid", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nesting_deeper_than_16_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("""{"a":""", 20)) + "1" + new string('}', 20);
        var (_, error) = await Read($$"""{"status":"operational","threat_level":1,"active_alerts":0,"x":{{deep}}}""", CyberVaultJsonContext.Default.StatusResponse);

        Assert.NotNull(error);
        Assert.Contains("deeper than 16", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_size_bound_is_refused()
    {
        var padding = new string(' ', 5000);
        var (_, error) = await Read($$"""{"status":"operational",{{padding}}"threat_level":1,"active_alerts":0}""", CyberVaultJsonContext.Default.StatusResponse, max: 4096);

        Assert.Equal("the body is larger than 4096 bytes", error);
    }

    [Theory]
    [InlineData("""{"next_cursor":null,"has_more":false}""", "field data is missing")]
    [InlineData("""{"data":[{"id":"a","severity":"high"}],"has_more":false}""", "field data[0].status is missing")]
    [InlineData("""{"data":[{"id":"a","status":"open"},{"id":"b"}],"has_more":false}""", "field data[0].severity is missing")]
    [InlineData("""{"data":[{"severity":"low","status":"open"}],"has_more":false}""", "field data[0].id is missing")]
    [InlineData("""{"data":[],"has_more":true}""", "field next_cursor is missing while has_more is true")]
    public async Task An_invalid_page_is_malformed_naming_the_field(string json, string expected)
    {
        var (page, error) = await Read(json, CyberVaultJsonContext.Default.AlertsPage);

        Assert.Null(error);
        Assert.Equal(expected, ResponseReader.Validate(page!, 200));
    }

    [Fact]
    public async Task A_page_tolerates_unknown_fields_and_a_missing_has_more()
    {
        var (page, error) = await Read("""{"data":[{"id":"a","severity":"nuclear","status":"open","extra":true}],"next_cursor":"c2"}""", CyberVaultJsonContext.Default.AlertsPage);

        Assert.Null(error);
        Assert.Null(ResponseReader.Validate(page!, 200));
        Assert.Equal("nuclear", page!.Data![0].Severity);
        Assert.Equal("c2", page.NextCursor);
    }

    [Fact]
    public async Task A_page_of_a_million_items_is_refused_without_allocating_a_million_items()
    {
        // 3 MB of "{}": within the size bound, yet a million objects (some 100 MB) if read without the item bound.
        var bytes = Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(',', Enumerable.Repeat("{}", 1_000_000)) + "],\"has_more\":false}");
        using var stream = new MemoryStream(bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = ResponseReader.ReadAsync(stream, CyberVaultJsonContext.Default.AlertsPage, ResponseReader.MaxBodyBytes, TestContext.Current.CancellationToken);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // A MemoryStream never makes the read wait, so everything it allocated was allocated on this thread.
        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal($"field data has more than {BoundedAlertListConverter.MaxItems} items, more than any request asks for", (await read).Error);
        Assert.True(allocated < 32L * 1024 * 1024, $"{allocated / (1024 * 1024)} MiB allocated");
    }

    [Fact]
    public async Task A_bad_field_in_an_item_is_named_with_the_items_index()
    {
        var (_, error) = await Read("""{"data":[{"id":"a","severity":"low","status":"open"},{"id":"b","severity":["x"],"status":"open"}],"has_more":false}""", CyberVaultJsonContext.Default.AlertsPage);

        Assert.StartsWith("field data[1].severity is not valid", error, StringComparison.Ordinal);
    }
}
