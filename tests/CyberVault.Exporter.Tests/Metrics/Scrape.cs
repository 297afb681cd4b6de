using System.Text;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Metrics.PrometheusNet;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace CyberVault.Exporter.Tests.Metrics;

/// <summary>A renderer on its own registry, scraped in memory the way /metrics does it.</summary>
internal sealed class Scrape
{
    public Scrape(ISnapshotStore store, BuildInfo? build = null)
    {
        Registry = global::Prometheus.Metrics.NewCustomRegistry();
        Renderer = new PrometheusMetricsRenderer(
            Registry,
            store,
            new StaticExporterStatusSource(new ExporterStatus(build ?? new BuildInfo("1.2.3", "abc123", ".NET 10.0.0"))),
            NullLogger<PrometheusMetricsRenderer>.Instance);
    }

    public CollectorRegistry Registry { get; }

    public PrometheusMetricsRenderer Renderer { get; }

    public async Task<string> TextAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The sample lines (no comments), for exact matching.</summary>
    public async Task<IReadOnlyList<string>> SamplesAsync() =>
        [.. (await TextAsync()).Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#'))];

    /// <summary>The sample lines of one family (including _bucket, _sum and _count of a histogram).</summary>
    public async Task<IReadOnlyList<string>> SamplesAsync(MetricDescriptor metric) =>
        [.. (await SamplesAsync()).Where(line => line.StartsWith(metric.Name + "{", StringComparison.Ordinal)
            || line.StartsWith(metric.Name + " ", StringComparison.Ordinal)
            || line.StartsWith(metric.Name + "_", StringComparison.Ordinal))];
}
