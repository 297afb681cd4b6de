using Prometheus;
using PrometheusStatic = Prometheus.Metrics;

namespace CyberVault.Exporter.Metrics.PrometheusNet;

/// <summary>
/// The registry /metrics serves. A custom registry rather than prometheus-net's default one: the default one adds
/// event-counter and meter adapters whose names and help texts fail <c>promtool check metrics</c>, and it is
/// process-wide static state that parallel tests (several exporters in one process) would share.
/// </summary>
internal static class ExporterMetricsRegistry
{
    public static CollectorRegistry Create()
    {
        var registry = PrometheusStatic.NewCustomRegistry();
        // process_* (and dotnet_* GC and memory) metrics, as other exporters have.
        DotNetStats.Register(registry);
        return registry;
    }
}
