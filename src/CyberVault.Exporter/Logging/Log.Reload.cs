using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>Log messages of live configuration reloads (event ids 5000-5099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Configuration reloaded from {Source} ({Trigger}): {TargetCount} target(s)")]
    public static partial void ConfigReloaded(ILogger logger, string source, string trigger, int targetCount);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Configuration reload ({Trigger}) rejected, the running configuration stays in use: {Problems}")]
    public static partial void ConfigReloadRejected(ILogger logger, string trigger, string problems);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "The reloaded configuration changes web.listen_address to {Wanted}; the exporter keeps listening on {Current} until it is restarted")]
    public static partial void ListenAddressNeedsRestart(ILogger logger, string wanted, string current);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Listening for SIGHUP to reload the configuration")]
    public static partial void ReloadSignalRegistered(ILogger logger);
}
