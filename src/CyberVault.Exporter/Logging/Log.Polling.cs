using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>Polling log lines. Event ids 3200-3299. One line per state change, not per failed request.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Warning,
        Message = "target {Target}: collector {Collector} failed: {Problem}")]
    public static partial void CollectorFailed(ILogger logger, string target, string collector, string problem);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information,
        Message = "target {Target}: collector {Collector} succeeded again")]
    public static partial void CollectorRecovered(ILogger logger, string target, string collector);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error,
        Message = "target {Target}: {Problem}; backing off (first wait {Backoff}, doubling up to 5 minutes)")]
    public static partial void TargetBlocked(ILogger logger, string target, string problem, TimeSpan backoff);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information,
        Message = "target {Target}: the API accepts requests again (was: {Problem})")]
    public static partial void TargetUnblocked(ILogger logger, string target, string problem);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Debug,
        Message = "target {Target}: {Count} alerts with a status that is not polled were ignored in the last sweep")]
    public static partial void AlertsWithUnpolledStatusIgnored(ILogger logger, string target, long count);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning,
        Message = "target {Target}: {Count} alerts had unknown severities beyond the first {Max} distinct ones; counted as severity=\"other\"")]
    public static partial void UnknownSeveritiesFolded(ILogger logger, string target, long count, int max);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Information,
        Message = "target {Target}: polling started ({BudgetRpm:F1} requests/minute budget, burst {Capacity})")]
    public static partial void PollerStarted(ILogger logger, string target, double budgetRpm, int capacity);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Information,
        Message = "target {Target}: polling stopped")]
    public static partial void PollerStopped(ILogger logger, string target);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Error,
        Message = "target {Target}: cannot start polling: {Problem}")]
    public static partial void PollerStartFailed(ILogger logger, string target, string problem);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Error,
        Message = "target {Target}: poller crashed")]
    public static partial void PollerCrashed(ILogger logger, Exception exception, string target);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Error,
        Message = "target {Target}: collector {Collector} run failed unexpectedly; retrying at the next interval")]
    public static partial void CollectorCrashed(ILogger logger, Exception exception, string target, string collector);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information,
        Message = "shutting down: cancelling in-flight API calls of {Count} target(s)")]
    public static partial void ShuttingDown(ILogger logger, int count);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Information,
        Message = "shutdown complete: every poller stopped")]
    public static partial void ShutdownComplete(ILogger logger);
}
