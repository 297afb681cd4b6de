using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "CyberVault simulator listening on {BaseUrl} (plain HTTP redirect: {PlainUrl})")]
    public static partial void Started(ILogger logger, Uri baseUrl, string plainUrl);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Method} {Path} -> {StatusCode} (key {KeyId})")]
    public static partial void Request(ILogger logger, string method, string path, int statusCode, string? keyId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Fault {Fault} applied to {Method} {Path}")]
    public static partial void FaultApplied(ILogger logger, string fault, string method, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Unhandled error while serving a request")]
    public static partial void UnhandledError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Live-mode tick failed")]
    public static partial void TickFailed(ILogger logger, Exception exception);
}
