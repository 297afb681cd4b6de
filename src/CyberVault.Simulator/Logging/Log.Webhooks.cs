using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Webhook {EventType} {EventId} delivered to {Url} on attempt {Attempt}")]
    public static partial void WebhookDelivered(ILogger logger, string eventType, string eventId, Uri url, int attempt);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Webhook {EventType} {EventId} to {Url} failed on attempt {Attempt} ({Reason}); retrying in {Delay}")]
    public static partial void WebhookRetry(ILogger logger, string eventType, string eventId, Uri url, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Webhook {EventType} {EventId} to {Url} given up after {Attempt} attempts ({Reason})")]
    public static partial void WebhookGaveUp(ILogger logger, string eventType, string eventId, Uri url, int attempt, string reason);
}
