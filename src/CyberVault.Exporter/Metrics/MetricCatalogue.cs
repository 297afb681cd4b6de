using System.Collections.Immutable;

namespace CyberVault.Exporter.Metrics;

/// <summary>
/// The one place that names the exporter's metrics: name, type, help, labels and how each is read from a
/// snapshot. Adding a metric is one entry here (plus its line in docs/metrics.md, which a test enforces).
/// A series whose data is null in the snapshot is absent, not 0, so a dashboard cannot mistake "unknown"
/// for a real zero.
/// </summary>
internal static class MetricCatalogue
{
    public const string TargetLabel = "target";

    public static readonly ImmutableArray<string> KnownSystemStatuses = ["operational", "degraded", "maintenance"];

    public static readonly ImmutableArray<string> KnownSeverities = ["critical", "high", "medium", "low"];

    public static readonly ImmutableArray<string> KnownAlertStatuses = ["open", "investigating", "resolved", "dismissed"];

    /// <summary>
    /// Every reason of cybervault_collector_failures_total: the kinds of ApiFailure, then pagination and internal.
    /// All start at 0 so that rate() and increase() see the first failure.
    /// </summary>
    public static readonly ImmutableArray<string> KnownFailureReasons =
    [
        "rate_limited", "unauthorized", "redirected", "server_error", "unexpected_status", "malformed",
        "timeout", "network", "tls", "key_unavailable", "pagination", "internal",
    ];

    /// <summary>A region is free text from the API; bounded so a garbage value cannot bloat every scrape.</summary>
    public const int MaxRegionLength = 128;

    /// <summary>From a fast loopback answer to a slow paginated page near the client's timeout.</summary>
    public static readonly ImmutableArray<double> ApiRequestDurationBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public static readonly MetricDescriptor Up = MetricDescriptor.PerTarget(
        "cybervault_up",
        MetricKind.Gauge,
        "1 if the last GET /v2/status of the target succeeded, 0 otherwise.",
        s => s.Up ? 1 : 0);

    public static readonly MetricDescriptor ThreatLevel = MetricDescriptor.PerTarget(
        "cybervault_threat_level",
        MetricKind.Gauge,
        "Threat level reported by /v2/status, 0 to 10.",
        s => s.Status?.ThreatLevel);

    public static readonly MetricDescriptor ActiveAlerts = MetricDescriptor.PerTarget(
        "cybervault_active_alerts",
        MetricKind.Gauge,
        "Active alerts as reported by /v2/status (unresolved alerts of the last 24 hours).",
        s => s.Status?.ActiveAlerts);

    public static readonly MetricDescriptor LastScanTimestamp = MetricDescriptor.PerTarget(
        "cybervault_last_scan_timestamp_seconds",
        MetricKind.Gauge,
        "Time of the last vulnerability scan reported by /v2/status, in seconds since the Unix epoch.",
        s => UnixSeconds(s.Status?.LastScan));

    public static readonly MetricDescriptor SystemStatus = MetricDescriptor.PerTarget(
        "cybervault_system_status",
        MetricKind.Gauge,
        "1 for the system status reported by /v2/status, 0 for the other known statuses.",
        ["status"],
        static (s, inputs) => SystemStatusSamples(s, inputs.Labels));

    public static readonly MetricDescriptor Info = MetricDescriptor.PerTarget(
        "cybervault_info",
        MetricKind.Gauge,
        "Always 1; the region label is the region reported by /v2/status.",
        ["region"],
        static (s, _) => s.Status is { } status
            ? [([Truncate(status.Region, MaxRegionLength)], 1)]
            : []);

    public static readonly MetricDescriptor Alerts = MetricDescriptor.PerTarget(
        "cybervault_alerts",
        MetricKind.Gauge,
        "Alerts by severity and status: the last complete sweep of /v2/alerts, adjusted by alert webhook events since.",
        ["severity", "status"],
        static (s, inputs) => s.Alerts is { } alerts
            ? alerts.Counts.Select(kv => (
                (ImmutableArray<string>)[inputs.Labels.Severity.Map(kv.Key.Severity), inputs.Labels.AlertStatus.Map(kv.Key.Status)],
                (double)kv.Value))
            : []);

    public static readonly MetricDescriptor RateLimitRemaining = MetricDescriptor.PerTarget(
        "cybervault_rate_limit_remaining",
        MetricKind.Gauge,
        "Requests left in the current rate-limit window, from the last X-RateLimit-Remaining header.",
        s => s.RateLimit?.Remaining);

    public static readonly MetricDescriptor RateLimitBurst = MetricDescriptor.PerTarget(
        "cybervault_rate_limit_burst",
        MetricKind.Gauge,
        "Burst allowance from the last X-RateLimit-Burst header (absent on API versions without it).",
        s => s.RateLimit?.Burst);

    public static readonly MetricDescriptor RateLimitResetTimestamp = MetricDescriptor.PerTarget(
        "cybervault_rate_limit_reset_timestamp_seconds",
        MetricKind.Gauge,
        "When the current rate-limit window resets, from X-RateLimit-Reset, in seconds since the Unix epoch.",
        s => UnixSeconds(s.RateLimit?.ResetAt));

    public static readonly MetricDescriptor RateLimitRequestsPerMinute = MetricDescriptor.PerTarget(
        "cybervault_rate_limit_requests_per_minute",
        MetricKind.Gauge,
        "Requests per minute the API key's tier allows.",
        s => s.TierRequestsPerMinute);

    public static readonly MetricDescriptor BudgetRequestsPerMinute = MetricDescriptor.PerTarget(
        "cybervault_budget_requests_per_minute",
        MetricKind.Gauge,
        "Requests per minute this exporter allows itself (the tier's limit times budget_share).",
        s => s.BudgetRequestsPerMinute);

    public static readonly MetricDescriptor BudgetWaitSeconds = MetricDescriptor.PerTarget(
        "cybervault_budget_wait_seconds_total",
        MetricKind.Counter,
        "Seconds spent waiting for a budget token or for a Retry-After to pass.",
        s => s.BudgetWaitSecondsTotal);

    public static readonly MetricDescriptor ApiRequests = MetricDescriptor.PerTarget(
        "cybervault_api_requests_total",
        MetricKind.Counter,
        "Requests sent to the API by endpoint and outcome (HTTP status code, or timeout, network, tls).",
        ["endpoint", "code"],
        static (s, _) => s.ApiRequests.Select(kv => (
            (ImmutableArray<string>)[BoundedLabel.Sanitise(kv.Key.Endpoint), BoundedLabel.Sanitise(kv.Key.Code)],
            (double)kv.Value)));

    public static readonly MetricDescriptor ApiRequestDuration = MetricDescriptor.LiveHistogram(
        "cybervault_api_request_duration_seconds",
        "Duration of requests to the API by endpoint, including failed ones.",
        ["endpoint"],
        ApiRequestDurationBuckets);

    public static readonly MetricDescriptor CollectorSuccess = MetricDescriptor.PerTarget(
        "cybervault_collector_success",
        MetricKind.Gauge,
        "1 if the last run of the collector (status or alerts) succeeded, 0 otherwise.",
        ["collector"],
        static (s, _) => s.Collectors.Select(kv => (
            (ImmutableArray<string>)[BoundedLabel.Sanitise(kv.Key)],
            kv.Value.Success ? 1d : 0d)));

    public static readonly MetricDescriptor CollectorFailures = MetricDescriptor.PerTarget(
        "cybervault_collector_failures_total",
        MetricKind.Counter,
        "Failed collector runs by reason (rate_limited, unauthorized, redirected, server_error, unexpected_status, malformed, timeout, network, tls, key_unavailable, pagination, internal).",
        ["collector", "reason"],
        static (s, _) => CollectorFailureSamples(s));

    public static readonly MetricDescriptor CollectorLastSuccessTimestamp = MetricDescriptor.PerTarget(
        "cybervault_collector_last_success_timestamp_seconds",
        MetricKind.Gauge,
        "When the collector last succeeded, in seconds since the Unix epoch.",
        ["collector"],
        static (s, _) => s.Collectors
            .Where(kv => kv.Value.LastSuccess is not null)
            .Select(kv => (
                (ImmutableArray<string>)[BoundedLabel.Sanitise(kv.Key)],
                UnixSeconds(kv.Value.LastSuccess)!.Value)));

    public static readonly MetricDescriptor CollectorDuration = MetricDescriptor.PerTarget(
        "cybervault_collector_duration_seconds",
        MetricKind.Gauge,
        "How long the last run of the collector took, in seconds.",
        ["collector"],
        static (s, _) => s.Collectors.Select(kv => (
            (ImmutableArray<string>)[BoundedLabel.Sanitise(kv.Key)],
            kv.Value.LastDuration.TotalSeconds)));

    public static readonly MetricDescriptor CollectorInterval = MetricDescriptor.PerTarget(
        "cybervault_collector_interval_seconds",
        MetricKind.Gauge,
        "Effective interval of the collector after budget stretching, in seconds.",
        ["collector"],
        static (s, _) => s.Collectors.Select(kv => (
            (ImmutableArray<string>)[BoundedLabel.Sanitise(kv.Key)],
            kv.Value.EffectiveInterval.TotalSeconds)));

    public static readonly MetricDescriptor WebhookEvents = MetricDescriptor.PerTarget(
        "cybervault_webhook_events_total",
        MetricKind.Counter,
        "Webhook deliveries by event type (unknown before the signature is verified) and result.",
        ["event", "result"],
        static (s, _) => s.Webhooks is { } webhooks
            ? webhooks.Events.Select(kv => (
                (ImmutableArray<string>)[kv.Key.Event, kv.Key.Result],
                (double)kv.Value))
            : []);

    public static readonly MetricDescriptor WebhookLastEventTimestamp = MetricDescriptor.PerTarget(
        "cybervault_webhook_last_event_timestamp_seconds",
        MetricKind.Gauge,
        "When the last webhook delivery with a valid signature arrived, in seconds since the Unix epoch.",
        s => UnixSeconds(s.Webhooks?.LastEventAt));

    public static readonly MetricDescriptor ComplianceFailures = MetricDescriptor.PerTarget(
        "cybervault_compliance_failures_total",
        MetricKind.Counter,
        "compliance.failed webhook events accepted.",
        s => s.Webhooks?.ComplianceFailures);

    public static readonly MetricDescriptor AssetVulnerableEvents = MetricDescriptor.PerTarget(
        "cybervault_asset_vulnerable_events_total",
        MetricKind.Counter,
        "asset.vulnerable webhook events accepted.",
        s => s.Webhooks?.AssetVulnerableEvents);

    public static readonly MetricDescriptor BuildInformation = MetricDescriptor.Exporter(
        "cybervault_exporter_build_info",
        MetricKind.Gauge,
        "Always 1; labels give the exporter's version, source revision and .NET runtime.",
        ["version", "revision", "runtime"],
        static e => [([e.Build.Version, e.Build.Revision, e.Build.Runtime], 1)]);

    public static readonly MetricDescriptor ConfigLastReloadSuccessful = MetricDescriptor.Exporter(
        "cybervault_exporter_config_last_reload_successful",
        MetricKind.Gauge,
        "1 if the last configuration reload (SIGHUP or POST /-/reload) succeeded, 0 if it was rejected and the previous configuration stays in use.",
        [],
        static e => e.Reload is { } r ? [([], r.LastSucceeded ? 1 : 0)] : []);

    public static readonly MetricDescriptor ConfigLastReloadSuccessTimestamp = MetricDescriptor.Exporter(
        "cybervault_exporter_config_last_reload_success_timestamp_seconds",
        MetricKind.Gauge,
        "When the configuration in use was loaded (at start or by the last successful reload), in seconds since the Unix epoch.",
        [],
        static e => e.Reload is { } r ? [([], UnixSeconds(r.LastSuccessAt)!.Value)] : []);

    /// <summary>Every metric, in the order backends register (and prometheus-net prints) them.</summary>
    public static readonly ImmutableArray<MetricDescriptor> All =
    [
        Up,
        ThreatLevel,
        ActiveAlerts,
        LastScanTimestamp,
        SystemStatus,
        Info,
        Alerts,
        RateLimitRemaining,
        RateLimitBurst,
        RateLimitResetTimestamp,
        RateLimitRequestsPerMinute,
        BudgetRequestsPerMinute,
        BudgetWaitSeconds,
        ApiRequests,
        ApiRequestDuration,
        CollectorSuccess,
        CollectorFailures,
        CollectorLastSuccessTimestamp,
        CollectorDuration,
        CollectorInterval,
        WebhookEvents,
        WebhookLastEventTimestamp,
        ComplianceFailures,
        AssetVulnerableEvents,
        BuildInformation,
        ConfigLastReloadSuccessful,
        ConfigLastReloadSuccessTimestamp,
    ];

    /// <summary>
    /// Every known status is present (1 for the current one), and an unknown current status gets its own
    /// bounded label value, so a new API status is visible instead of looking like "all zero".
    /// </summary>
    private static IEnumerable<(ImmutableArray<string> Labels, double Value)> SystemStatusSamples(TargetSnapshot snapshot, LabelValueBounds labels)
    {
        if (snapshot.Status is not { } status)
        {
            yield break;
        }

        var current = labels.SystemStatus.Map(status.SystemStatus);
        foreach (var known in KnownSystemStatuses)
        {
            yield return ([known], known == current ? 1 : 0);
        }

        if (!KnownSystemStatuses.Contains(current))
        {
            yield return ([current], 1);
        }
    }

    private static IEnumerable<(ImmutableArray<string> Labels, double Value)> CollectorFailureSamples(TargetSnapshot snapshot)
    {
        var counts = snapshot.CollectorFailures;
        foreach (var collector in snapshot.Collectors.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var reason in KnownFailureReasons)
            {
                yield return ([BoundedLabel.Sanitise(collector), reason], counts.GetValueOrDefault((collector, reason)));
            }
        }

        // Unreachable while every failure maps to a known reason; shown rather than dropped if one ever does not.
        foreach (var ((collector, reason), count) in counts)
        {
            if (!KnownFailureReasons.Contains(reason) || !snapshot.Collectors.ContainsKey(collector))
            {
                yield return ([BoundedLabel.Sanitise(collector), BoundedLabel.Sanitise(reason)], count);
            }
        }
    }

    private static double? UnixSeconds(DateTimeOffset? time) =>
        time is { } t ? t.ToUnixTimeMilliseconds() / 1000d : null;

    private static string Truncate(string value, int maxLength) =>
        value.Length <= maxLength ? value : value[..maxLength];
}
