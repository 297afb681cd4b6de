using System.Collections.Immutable;

namespace CyberVault.Exporter.Metrics;

/// <summary>
/// Everything known about one target at one instant, immutable. The poller publishes a new snapshot
/// after every state change; scrapes (Prometheus today, an OpenTelemetry backend later) render the
/// latest one, so a series that is absent from the snapshot is absent from the output.
/// </summary>
internal sealed record TargetSnapshot
{
    public required string Target { get; init; }

    /// <summary>1 if the last GET /v2/status succeeded.</summary>
    public bool Up { get; init; }

    /// <summary>The last good status answer, or null once it is older than max_staleness (or never came).</summary>
    public StatusSample? Status { get; init; }

    /// <summary>Counts of the last complete sweep, or null once older than max_staleness (or never completed).</summary>
    public AlertCounts? Alerts { get; init; }

    /// <summary>The last rate-limit headers seen, or null before any response.</summary>
    public RateLimitSample? RateLimit { get; init; }

    public required double TierRequestsPerMinute { get; init; }

    public required double BudgetRequestsPerMinute { get; init; }

    /// <summary>Counter: seconds spent waiting for budget tokens or a Retry-After.</summary>
    public double BudgetWaitSecondsTotal { get; init; }

    /// <summary>Counter per (endpoint, code): endpoint is status|alerts; code an HTTP code or timeout|network|tls.</summary>
    public ImmutableDictionary<(string Endpoint, string Code), long> ApiRequests { get; init; } =
        ImmutableDictionary<(string Endpoint, string Code), long>.Empty;

    /// <summary>Counter per (collector, reason) of failed collector runs; reason is an <c>ApiFailure.Kind</c>, pagination or internal.</summary>
    public ImmutableDictionary<(string Collector, string Reason), long> CollectorFailures { get; init; } =
        ImmutableDictionary<(string Collector, string Reason), long>.Empty;

    /// <summary>Per collector (status|alerts).</summary>
    public ImmutableDictionary<string, CollectorState> Collectors { get; init; } =
        ImmutableDictionary<string, CollectorState>.Empty;

    /// <summary>The webhook receiver's counters; null when the target's webhook is disabled (its series are then absent).</summary>
    public WebhookStats? Webhooks { get; init; }
}

/// <param name="Events">Counter per (event, result): event is a known event type or "unknown", result one of accepted,
/// invalid_signature, malformed, too_large, duplicate, ignored.</param>
/// <param name="LastEventAt">When the last delivery with a valid signature arrived, or null.</param>
/// <param name="ComplianceFailures">Counter of accepted compliance.failed events.</param>
/// <param name="AssetVulnerableEvents">Counter of accepted asset.vulnerable events.</param>
internal sealed record WebhookStats(
    ImmutableDictionary<(string Event, string Result), long> Events,
    DateTimeOffset? LastEventAt,
    long ComplianceFailures,
    long AssetVulnerableEvents)
{
    public static WebhookStats Empty { get; } = new(ImmutableDictionary<(string Event, string Result), long>.Empty, null, 0, 0);
}

internal sealed record StatusSample(
    string SystemStatus,
    int ThreatLevel,
    long ActiveAlerts,
    DateTimeOffset? LastScan,
    string Region,
    DateTimeOffset ObservedAt);

/// <param name="Counts">(severity, status) → count. Complete: every known severity × every polled status is present.</param>
/// <param name="CompletedAt">When the sweep that produced these counts finished.</param>
internal sealed record AlertCounts(
    ImmutableDictionary<(string Severity, string Status), long> Counts,
    DateTimeOffset CompletedAt);

/// <param name="Remaining">X-RateLimit-Remaining.</param>
/// <param name="Burst">X-RateLimit-Burst; absent on older API versions.</param>
/// <param name="ResetAt">X-RateLimit-Reset converted to an absolute time (epoch or delta form).</param>
internal sealed record RateLimitSample(long Remaining, long? Burst, DateTimeOffset? ResetAt, DateTimeOffset ObservedAt);

/// <param name="Success">Whether the last run succeeded.</param>
/// <param name="LastSuccess">When a run last succeeded, or null.</param>
/// <param name="LastDuration">How long the last run took.</param>
/// <param name="EffectiveInterval">The interval in force after budget stretching.</param>
internal sealed record CollectorState(
    bool Success,
    DateTimeOffset? LastSuccess,
    TimeSpan LastDuration,
    TimeSpan EffectiveInterval);

/// <summary>Where pollers publish and scrapes read. Thread-safe; readers get immutable snapshots.</summary>
internal interface ISnapshotStore
{
    void Publish(TargetSnapshot snapshot);

    void Remove(string target);

    /// <summary>The latest snapshot of every target, ordered by target name.</summary>
    IReadOnlyList<TargetSnapshot> Current();
}

/// <summary>
/// Where the API client reports each request's outcome. Durations go to a histogram that lives
/// outside the snapshot (prometheus-net histograms cannot be set from a snapshot).
/// </summary>
internal interface IApiRequestObserver
{
    void Observe(string target, string endpoint, string code, TimeSpan duration);
}
