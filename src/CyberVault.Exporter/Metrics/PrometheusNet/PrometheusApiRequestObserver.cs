using Prometheus;

namespace CyberVault.Exporter.Metrics.PrometheusNet;

/// <summary>Records each API request's duration in the prometheus-net histogram of the catalogue.</summary>
internal sealed class PrometheusApiRequestObserver(PrometheusMetricsRenderer renderer) : IApiRequestObserver
{
    private readonly Histogram _duration = renderer.LiveHistogram(MetricCatalogue.ApiRequestDuration);

    public void Observe(string target, string endpoint, string code, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        // A clock step can make a measured duration negative; a histogram cannot hold that, and 0 is the honest floor.
        var seconds = Math.Max(0, duration.TotalSeconds);
        _duration.WithLabels(target, BoundedLabel.Sanitise(endpoint)).Observe(seconds);
    }
}
