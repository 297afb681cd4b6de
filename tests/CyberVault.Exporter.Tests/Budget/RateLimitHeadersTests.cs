using CyberVault.Exporter.Budget;

namespace CyberVault.Exporter.Tests.Budget;

public class RateLimitHeadersTests
{
    private static readonly DateTimeOffset Now = TestSupport.Start;

    [Fact]
    public void An_epoch_reset_is_taken_as_an_absolute_time()
    {
        var epoch = Now.AddSeconds(42).ToUnixTimeSeconds();

        var reset = RateLimitHeaders.ParseReset(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), Now);

        Assert.Equal(Now.AddSeconds(42), reset);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("0", 0)]
    [InlineData(" 5 ", 5)]
    [InlineData("12.5", 12.5)]
    public void A_small_reset_is_taken_as_seconds_until_the_reset(string header, double seconds)
    {
        Assert.Equal(Now.AddSeconds(seconds), RateLimitHeaders.ParseReset(header, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    public void A_garbage_reset_is_ignored(string? header)
    {
        Assert.Null(RateLimitHeaders.ParseReset(header, Now));
    }

    [Fact]
    public void Retry_After_in_seconds_is_relative_to_now()
    {
        Assert.Equal(Now.AddSeconds(17), RateLimitHeaders.ParseRetryAfter("17", Now));
    }

    [Fact]
    public void Retry_After_as_an_HTTP_date_is_absolute()
    {
        var at = Now.AddSeconds(90);

        Assert.Equal(at, RateLimitHeaders.ParseRetryAfter(at.ToString("r", System.Globalization.CultureInfo.InvariantCulture), Now));
    }

    [Fact]
    public void Retry_After_in_the_past_means_now_and_far_future_is_capped_at_an_hour()
    {
        Assert.Equal(Now, RateLimitHeaders.ParseRetryAfter(Now.AddMinutes(-3).ToString("r", System.Globalization.CultureInfo.InvariantCulture), Now));
        Assert.Equal(Now + RateLimitHeaders.MaxRetryAfter, RateLimitHeaders.ParseRetryAfter("999999", Now));
    }

    [Theory]
    [InlineData("later")]
    [InlineData("-1")]
    [InlineData("")]
    public void Garbage_Retry_After_falls_back_to_the_reset_then_to_a_minute(string header)
    {
        Assert.Null(RateLimitHeaders.ParseRetryAfter(header, Now));
        Assert.Equal(Now.AddSeconds(20), RateLimitHeaders.RetryUntil(header, "20", Now));
        Assert.Equal(Now.AddMinutes(1), RateLimitHeaders.RetryUntil(header, "bogus", Now));
    }

    [Fact]
    public void A_sample_needs_Remaining_and_treats_Burst_as_optional()
    {
        var withBurst = RateLimitHeaders.Parse("12", "15", "30", Now);
        var withoutBurst = RateLimitHeaders.Parse("12", null, null, Now);

        Assert.Equal(new CyberVault.Exporter.Metrics.RateLimitSample(12, 15, Now.AddSeconds(30), Now), withBurst);
        Assert.Equal(new CyberVault.Exporter.Metrics.RateLimitSample(12, null, null, Now), withoutBurst);
        Assert.Null(RateLimitHeaders.Parse(null, "15", "30", Now));
        Assert.Null(RateLimitHeaders.Parse("-3", "15", "30", Now));
        Assert.Null(RateLimitHeaders.Parse("many", "15", "30", Now));
    }
}
