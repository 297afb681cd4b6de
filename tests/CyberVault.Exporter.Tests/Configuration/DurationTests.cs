using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Configuration;

public class DurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("500ms", 500L)]
    [InlineData("15s", 15_000L)]
    [InlineData("60s", 60_000L)]
    [InlineData("1m30s", 90_000L)]
    [InlineData("2h", 7_200_000L)]
    [InlineData("1d", 86_400_000L)]
    [InlineData("1w", 604_800_000L)]
    [InlineData("1y", 31_536_000_000L)]
    [InlineData("1h0m5s", 3_605_000L)]
    [InlineData("1d2h3m4s5ms", 93_784_005L)]
    [InlineData("90m", 5_400_000L)]
    public void Prometheus_durations_parse_to_their_length(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("", "empty duration")]
    [InlineData("15", "missing unit")]
    [InlineData("s", "expected a number")]
    [InlineData("1.5s", "unexpected \".\"; durations are whole numbers")]
    [InlineData("-1s", "expected a number")]
    [InlineData(" 15s", "expected a number")]
    [InlineData("15s ", "expected a number")]
    [InlineData("15S", "unknown unit \"S\"")]
    [InlineData("15sec", "unknown unit \"sec\"")]
    [InlineData("30s1m", "from largest to smallest")]
    [InlineData("1m1m", "from largest to smallest")]
    [InlineData("99999999999999999999s", "number too large")]
    [InlineData("999999y", "duration too long")]
    public void Malformed_durations_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(500L, "500ms")]
    [InlineData(15_000L, "15s")]
    [InlineData(60_000L, "1m")]
    [InlineData(90_000L, "1m30s")]
    [InlineData(86_400_000L, "1d")]
    [InlineData(691_200_000L, "1w1d")]
    [InlineData(93_784_005L, "1d2h3m4s5ms")]
    public void Durations_format_in_the_canonical_spelling(long milliseconds, string expected)
    {
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("1m30s")]
    [InlineData("2w3d4h5m6s7ms")]
    [InlineData("10m")]
    public void A_canonical_duration_survives_a_round_trip(string text)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(text, Duration.Format(value));
    }

    [Fact]
    public void A_negative_duration_cannot_be_formatted()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Duration.Format(TimeSpan.FromSeconds(-1)));
    }
}
