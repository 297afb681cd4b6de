namespace CyberVault.Simulator;

/// <summary>A misbehaviour applied to one API response (after authentication and rate limiting).</summary>
public abstract record Fault
{
    /// <summary>The name used by the control endpoint (<c>POST /_control/faults</c>).</summary>
    internal abstract string Name { get; }
}

/// <summary>500 with a JSON error body.</summary>
public sealed record ServerError : Fault
{
    internal override string Name => "server_error";
}

/// <summary>429 with <c>Retry-After</c> = <paramref name="RetryAfter"/> in whole seconds (rounded up).</summary>
public sealed record RateLimited(TimeSpan RetryAfter) : Fault
{
    internal override string Name => "rate_limited";
}

/// <summary>Waits <paramref name="Delay"/> on the simulator's TimeProvider, then answers normally; gives up if the client aborts.</summary>
public sealed record Slow(TimeSpan Delay) : Fault
{
    internal override string Name => "slow";
}

/// <summary>The real status and Content-Type with a body that is not valid JSON.</summary>
public sealed record MalformedJson : Fault
{
    internal override string Name => "malformed_json";
}

/// <summary>Declares the real Content-Length, sends about half the body, then aborts the connection.</summary>
public sealed record TruncatedBody : Fault
{
    internal override string Name => "truncated_body";
}

/// <summary>
/// The next <c>GET /v2/alerts</c> page answers with next_cursor = the cursor it was given (a cursor for the
/// first page when none was given) and has_more = true. Other requests pass it by.
/// </summary>
public sealed record RepeatCursor : Fault
{
    internal override string Name => "repeat_cursor";
}

/// <summary>Aborts the connection without any response.</summary>
public sealed record DropConnection : Fault
{
    internal override string Name => "drop_connection";
}

/// <summary>
/// The real status and headers with <paramref name="Body"/> instead of the real body, sent chunked (no
/// Content-Length), so a client cannot refuse it by its declared size: hostile or broken documents, huge pages.
/// <paramref name="Path"/>, when set, limits it to requests of that path (e.g. "/v2/alerts"); others pass it by.
/// </summary>
public sealed record ReplaceBody(string Body, string? Path = null) : Fault
{
    internal override string Name => "replace_body";

    /// <summary>The length only: a body of megabytes must not flood a test's output.</summary>
    public override string ToString() => $"ReplaceBody {{ Body = {Body.Length} chars, Path = {Path} }}";
}
