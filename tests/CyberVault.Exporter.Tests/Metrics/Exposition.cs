using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

/// <summary>Reading a text exposition in tests.</summary>
internal static class Exposition
{
    /// <summary>Whether <paramref name="exposition"/> has at least one sample of <paramref name="metric"/> (with or without labels).</summary>
    public static bool HasSamples(string exposition, MetricDescriptor metric)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentNullException.ThrowIfNull(metric);
        var text = "\n" + exposition;
        var name = "\n" + metric.Name + (metric.Kind == MetricKind.Histogram ? "_bucket" : "");
        return text.Contains(name + "{", StringComparison.Ordinal) || text.Contains(name + " ", StringComparison.Ordinal);
    }
}
