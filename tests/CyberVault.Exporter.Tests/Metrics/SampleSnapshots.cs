using System.Collections.Immutable;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

/// <summary>Synthetic snapshots with round numbers, so expected exposition lines can be written by hand.</summary>
internal static class SampleSnapshots
{
    /// <summary>2026-12-03T12:00:00Z = 1796299200 s since the epoch.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    public const long NowUnixSeconds = 1796299200;

    public static readonly ImmutableArray<string> PolledStatuses = ["open", "investigating"];

    /// <summary>Every field set, so every snapshot-derived family has samples.</summary>
    public static TargetSnapshot Full(string target = "production", string systemStatus = "degraded", string region = "us-east-1") => new()
    {
        Target = target,
        Up = true,
        Status = new StatusSample(systemStatus, 3, 17, Now.AddSeconds(-1800), region, Now),
        Alerts = new AlertCounts(ZeroFilledCounts().SetItem(("critical", "open"), 2).SetItem(("high", "investigating"), 5), Now.AddSeconds(-20)),
        RateLimit = new RateLimitSample(42, 100, Now.AddSeconds(30), Now),
        TierRequestsPerMinute = 60,
        BudgetRequestsPerMinute = 30,
        BudgetWaitSecondsTotal = 12.5,
        ApiRequests = ImmutableDictionary<(string Endpoint, string Code), long>.Empty
            .Add(("status", "200"), 10)
            .Add(("alerts", "200"), 4)
            .Add(("alerts", "429"), 1),
        Collectors = ImmutableDictionary<string, CollectorState>.Empty
            .Add("status", new CollectorState(true, Now, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15)))
            .Add("alerts", new CollectorState(false, Now.AddSeconds(-60), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(120))),
        Webhooks = new WebhookStats(
            ImmutableDictionary<(string Event, string Result), long>.Empty
                .Add(("alert.created", "accepted"), 7)
                .Add(("unknown", "invalid_signature"), 2),
            Now.AddSeconds(-5),
            ComplianceFailures: 1,
            AssetVulnerableEvents: 3),
    };

    /// <summary>A target that has never had an answer: only the always-present series.</summary>
    public static TargetSnapshot NoData(string target) => new()
    {
        Target = target,
        Up = false,
        TierRequestsPerMinute = 60,
        BudgetRequestsPerMinute = 30,
    };

    /// <summary>What the sweep engine publishes: every known severity × every polled status, zero-filled.</summary>
    public static ImmutableDictionary<(string Severity, string Status), long> ZeroFilledCounts() =>
        MetricCatalogue.KnownSeverities
            .SelectMany(severity => PolledStatuses.Select(status => (severity, status)))
            .ToImmutableDictionary(key => key, _ => 0L);
}
