using System.Diagnostics.CodeAnalysis;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Api;

/// <summary>The outcome of one API call (after retries): a value, or a typed failure. Never carries the key.</summary>
internal sealed record ApiResult<T>(T? Value, ApiFailure? Failure, RateLimitSample? RateLimit)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Failure is null && Value is not null;

    public static ApiResult<T> Success(T value, RateLimitSample? rateLimit) => new(value, null, rateLimit);

    public static ApiResult<T> Failed(ApiFailure failure, RateLimitSample? rateLimit = null) => new(null, failure, rateLimit);
}

/// <summary>Why a call failed. <see cref="Describe"/> is safe for logs: no key, no response body.</summary>
internal abstract record ApiFailure
{
    /// <summary>The failure's kind as a bounded label value (the reason of cybervault_collector_failures_total).</summary>
    public abstract string Kind { get; }

    public abstract string Describe();

    /// <summary>429: nothing may be sent to the target before <paramref name="Until"/>.</summary>
    public sealed record RateLimited(DateTimeOffset Until) : ApiFailure
    {
        public override string Kind => "rate_limited";

        public override string Describe() => $"rate limited (429) until {Until:O}";
    }

    /// <summary>401 or 403: the key is wrong, expired or lacks the right.</summary>
    public sealed record Unauthorized(int Code) : ApiFailure
    {
        public override string Kind => "unauthorized";

        public override string Describe() => $"the API refused the key ({Code})";
    }

    /// <summary>A 3xx: a configuration error (wrong base_url, http:// instead of https://); not followed.</summary>
    public sealed record Redirected(int Code, string Location) : ApiFailure
    {
        public override string Kind => "redirected";

        public override string Describe() =>
            $"the API answered {Code} redirecting to {Location}; redirects are not followed (the key would go along): fix base_url";
    }

    /// <summary>A 5xx that survived the retries.</summary>
    public sealed record ServerError(int Code) : ApiFailure
    {
        public override string Kind => "server_error";

        public override string Describe() => $"server error {Code}";
    }

    /// <summary>Another unexpected status, e.g. 400 or 404.</summary>
    public sealed record UnexpectedStatus(int Code) : ApiFailure
    {
        public override string Kind => "unexpected_status";

        public override string Describe() => $"unexpected HTTP status {Code}";
    }

    /// <summary>The body is not what the API reference describes; <paramref name="Reason"/> names the field.</summary>
    public sealed record Malformed(string Reason) : ApiFailure
    {
        public override string Kind => "malformed";

        public override string Describe() => $"malformed response: {Reason}";
    }

    public sealed record Timeout : ApiFailure
    {
        public override string Kind => "timeout";

        public override string Describe() => "timed out";
    }

    public sealed record Network(string Reason) : ApiFailure
    {
        public override string Kind => "network";

        public override string Describe() => $"network error: {Reason}";
    }

    public sealed record Tls(string Reason) : ApiFailure
    {
        public override string Kind => "tls";

        public override string Describe() => $"TLS error: {Reason}";
    }

    /// <summary>The key could not be read; <paramref name="Reason"/> names the file or env var, never the key.</summary>
    public sealed record KeyUnavailable(string Reason) : ApiFailure
    {
        public override string Kind => "key_unavailable";

        public override string Describe() => Reason;
    }
}
