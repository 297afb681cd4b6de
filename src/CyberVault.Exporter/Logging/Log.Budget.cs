using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>Budget log lines. Event ids 3100-3199.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning,
        Message = "target {Target}: rate limited by the API (429); sending nothing until {Until:O}")]
    public static partial void RetryAfterGateSet(ILogger logger, string target, DateTimeOffset until);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information,
        Message = "target {Target}: X-RateLimit-Remaining is low (others share the key); spreading {Usable} requests until {ResetAt:O}")]
    public static partial void BudgetPacingStarted(ILogger logger, string target, long usable, DateTimeOffset resetAt);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information,
        Message = "target {Target}: rate-limit headroom is back; pacing ended")]
    public static partial void BudgetPacingEnded(ILogger logger, string target);
}
