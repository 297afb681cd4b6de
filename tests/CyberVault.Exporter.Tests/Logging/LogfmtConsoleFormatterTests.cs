using CyberVault.Exporter.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Logging;

public sealed class LogfmtConsoleFormatterTests
{
    private static string Format(LogLevel level, IReadOnlyList<KeyValuePair<string, object?>> state, string message, Exception? exception = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        var formatter = new LogfmtConsoleFormatter(time);
        using var writer = new StringWriter();
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
            level, "CyberVault.Exporter.Polling.TargetPoller", new EventId(1), state, exception, (_, _) => message);
        formatter.Write(in entry, null, writer);
        return writer.ToString();
    }

    [Fact]
    public void A_line_has_time_level_logger_message_and_each_structured_value_as_its_own_key()
    {
        var line = Format(
            LogLevel.Warning,
            [new("Target", "production"), new("RetryAfterSeconds", 12), new("{OriginalFormat}", "x")],
            "Rate limited by the API");

        Assert.Equal(
            "ts=2026-12-03T10:00:00.000Z level=warn logger=TargetPoller msg=\"Rate limited by the API\" target=production retry_after_seconds=12\n",
            line);
    }

    [Fact]
    public void Values_with_quotes_newlines_or_equals_signs_are_quoted_and_escaped_so_one_event_stays_one_line()
    {
        var line = Format(LogLevel.Error, [new("Body", "a=\"b\"\nnext")], "bad");

        Assert.Contains("body=\"a=\\\"b\\\"\\nnext\"", line, StringComparison.Ordinal);
        Assert.Single(line.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void An_exception_is_written_as_its_type_and_message_without_a_stack_trace()
    {
        var line = Format(LogLevel.Error, [], "sweep failed", new InvalidOperationException("cursor repeated"));

        Assert.Contains("err=\"InvalidOperationException: cursor repeated\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LogLevel.Trace, "debug")]
    [InlineData(LogLevel.Debug, "debug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Critical, "error")]
    public void Levels_use_the_names_Prometheus_components_use(LogLevel level, string expected) =>
        Assert.Equal(expected, LogfmtConsoleFormatter.LevelName(level));
}
