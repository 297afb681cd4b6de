using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Logging;

/// <summary>Log messages of the metrics rendering and the HTTP surface (event ids 3400-3499).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Error, Message = "Rendering the metrics from the snapshots failed; the scrape is answered with 503")]
    public static partial void MetricsRenderFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Debug, Message = "Removed the {Metric} series of target {Target}, which is no longer in the snapshot store")]
    public static partial void RemovedSeriesOfGoneTarget(ILogger logger, string metric, string target);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Debug, Message = "Not ready: {Count} target(s) without a successful status poll yet")]
    public static partial void NotReady(ILogger logger, int count);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Serving /metrics, /healthz, /readyz and the landing page for {Count} target(s)")]
    public static partial void EndpointsMapped(ILogger logger, int count);
}
