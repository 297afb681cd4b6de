using System.Globalization;
using System.Net.Http.Headers;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Budget;

/// <summary>
/// Parses the API's rate-limit headers tolerantly (api-notes: the reference leaves the Reset form and the
/// Retry-After form open, and X-RateLimit-Burst is missing on API versions before 2.4.1).
/// </summary>
internal static class RateLimitHeaders
{
    public const string RemainingHeader = "X-RateLimit-Remaining";
    public const string BurstHeader = "X-RateLimit-Burst";
    public const string ResetHeader = "X-RateLimit-Reset";
    public const string RetryAfterHeader = "Retry-After";

    /// <summary>Reset values below this are a number of seconds until the reset, not an epoch (1e9 s is in 2001).</summary>
    public const double EpochThreshold = 1e9;

    /// <summary>
    /// A hostile or broken Retry-After (say, a date in 2099) must not silence a target forever; past this cap
    /// the next request is simply tried again and a new 429 re-arms the gate.
    /// </summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    /// <summary>The sample carried by a response, or null when it has no usable X-RateLimit-Remaining.</summary>
    public static RateLimitSample? Parse(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Parse(First(headers, RemainingHeader), First(headers, BurstHeader), First(headers, ResetHeader), now);
    }

    public static RateLimitSample? Parse(string? remaining, string? burst, string? reset, DateTimeOffset now)
    {
        var remainingValue = ParseCount(remaining);
        if (remainingValue is null)
        {
            return null;
        }

        return new RateLimitSample(remainingValue.Value, ParseCount(burst), ParseReset(reset, now), now);
    }

    /// <summary>A non-negative integer count, or null for absent or garbage values.</summary>
    public static long? ParseCount(string? value)
    {
        if (value is null)
        {
            return null;
        }

        return long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    /// <summary>X-RateLimit-Reset as an absolute time: epoch seconds, or (values below 1e9) seconds from now.</summary>
    public static DateTimeOffset? ParseReset(string? value, DateTimeOffset now)
    {
        if (value is null
            || !double.TryParse(value.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || double.IsNaN(seconds) || double.IsInfinity(seconds))
        {
            return null;
        }

        if (seconds < EpochThreshold)
        {
            return now + TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfter.TotalSeconds));
        }

        // Epoch values beyond year 9999 are garbage, not a reset time.
        return seconds < 253_402_300_799 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : null;
    }

    /// <summary>Retry-After as an absolute time: delta seconds or an HTTP-date; capped at <see cref="MaxRetryAfter"/>.</summary>
    public static DateTimeOffset? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (value is null || !RetryConditionHeaderValue.TryParse(value.Trim(), out var parsed))
        {
            return null;
        }

        var delay = parsed.Delta ?? (parsed.Date is { } date ? date - now : (TimeSpan?)null);
        if (delay is null)
        {
            return null;
        }

        var bounded = delay.Value < TimeSpan.Zero ? TimeSpan.Zero : delay.Value > MaxRetryAfter ? MaxRetryAfter : delay.Value;
        return now + bounded;
    }

    /// <summary>
    /// Until when a 429 forbids requests: Retry-After if usable, else X-RateLimit-Reset if in the future,
    /// else a conservative minute (the length of the API's rate-limit window).
    /// </summary>
    public static DateTimeOffset RetryUntil(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return RetryUntil(First(headers, RetryAfterHeader), First(headers, ResetHeader), now);
    }

    public static DateTimeOffset RetryUntil(string? retryAfter, string? reset, DateTimeOffset now)
    {
        if (ParseRetryAfter(retryAfter, now) is { } until)
        {
            return until;
        }

        if (ParseReset(reset, now) is { } resetAt && resetAt > now && resetAt - now <= MaxRetryAfter)
        {
            return resetAt;
        }

        return now + TimeSpan.FromMinutes(1);
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
