using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>
/// Webhook receiver log lines. Event ids 4000-4099. Per-delivery lines are Debug (anyone can send requests, so
/// rejections must not flood the log; the counters show them); secret problems are Warning/Error.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information,
        Message = "target {Target}: receiving webhooks at {Path} with {SecretCount} secret(s)")]
    public static partial void WebhookReceiverStarted(ILogger logger, string target, string path, int secretCount);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug,
        Message = "target {Target}: webhook delivery answered {StatusCode} ({Result})")]
    public static partial void WebhookAnswered(ILogger logger, string target, int statusCode, string result);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug,
        Message = "target {Target}: webhook event {EventType} accepted")]
    public static partial void WebhookAccepted(ILogger logger, string target, string eventType);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information,
        Message = "target {Target}: webhook secrets reloaded, {SecretCount} secret(s) in use")]
    public static partial void WebhookSecretsReloaded(ILogger logger, string target, int secretCount);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error,
        Message = "target {Target}: webhook secrets not reloaded, the previous ones stay in use: {Problem}")]
    public static partial void WebhookSecretsReloadFailed(ILogger logger, string target, string problem);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning,
        Message = "target {Target}: webhook secret file {File} does not exist (yet); it is read once it appears")]
    public static partial void WebhookSecretFileMissing(ILogger logger, string target, string file);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning,
        Message = "target {Target}: no webhook secret is loaded, deliveries are answered 503 until a secret file appears")]
    public static partial void WebhookNoSecret(ILogger logger, string target);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning,
        Message = "target {Target}: a webhook delivery was not accepted because the target's poller is not running")]
    public static partial void WebhookTargetNotRunning(ILogger logger, string target);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug,
        Message = "target {Target}: webhook body not received within {Timeout}; answered 408")]
    public static partial void WebhookBodyTimeout(ILogger logger, string target, TimeSpan timeout);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Debug,
        Message = "target {Target}: webhook {EventType} event says severity {Severity}, status {Status}: not a published series, only a sweep is requested")]
    public static partial void WebhookAlertNotApplied(ILogger logger, string target, string eventType, string severity, string status);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning,
        Message = "target {Target}: {Count} webhook deliveries are being read at once, the limit; answered 503")]
    public static partial void WebhookBusy(ILogger logger, string target, int count);
}
