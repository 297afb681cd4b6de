using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>Log messages of the web configuration: TLS, basic auth, headers (event ids 3300-3399).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Web configuration {Source} in use: {Description}")]
    public static partial void WebConfigInUse(ILogger logger, string source, string description);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Web configuration reloaded from {Source} ({Trigger}): {Description}")]
    public static partial void WebConfigReloaded(ILogger logger, string source, string trigger, string description);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Web configuration reload ({Trigger}) rejected, the running web configuration stays in use: {Problems}")]
    public static partial void WebConfigReloadRejected(ILogger logger, string trigger, string problems);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Debug, Message = "Basic auth refused a request to {Path}: {Reason}")]
    public static partial void BasicAuthRefused(ILogger logger, string path, string reason);
}
