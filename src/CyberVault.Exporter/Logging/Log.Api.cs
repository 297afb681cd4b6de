using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>API client log lines. Event ids 3000-3099. No line carries the API key or a response body.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug,
        Message = "target {Target}: {Endpoint} attempt answered {Code} in {DurationMs:F1} ms")]
    public static partial void ApiAttempt(ILogger logger, string target, string endpoint, string code, double durationMs);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "target {Target}: a new API key was read from {Source}; it is used from the next request on")]
    public static partial void ApiKeyReloaded(ILogger logger, string target, string source);
}
