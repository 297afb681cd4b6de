using System.Text.RegularExpressions;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

/// <summary>
/// The series Prometheus stores from the exporter, as queries (dashboards, alert rules) may name them, derived from
/// <see cref="MetricCatalogue"/>: gauges and counters as named (counters already end in _total, which prometheus-net
/// keeps), histograms as their _bucket (with le), _sum and _count series; job and instance are added by Prometheus.
/// </summary>
internal static partial class ExposedSeries
{
    /// <summary>Labels Prometheus adds to every scraped series.</summary>
    public static readonly string[] ScrapeLabels = ["job", "instance"];

    public static readonly IReadOnlyDictionary<string, (MetricDescriptor Metric, HashSet<string> Labels)> ByName = Build();

    /// <summary>Every <c>name{matchers}</c> selector of a PromQL expression, with the label names it matches on.</summary>
    public static IEnumerable<(string Name, string Text, string Matchers, IReadOnlyList<string> Labels)> Selectors(string expr) =>
        Selector().Matches(expr).Select(s => (
            s.Groups["name"].Value,
            s.Value,
            s.Groups["matchers"].Value,
            (IReadOnlyList<string>)[.. Matcher().Matches(s.Groups["matchers"].Value).Select(m => m.Groups["label"].Value)]));

    private static Dictionary<string, (MetricDescriptor, HashSet<string>)> Build()
    {
        var series = new Dictionary<string, (MetricDescriptor, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var metric in MetricCatalogue.All)
        {
            HashSet<string> labels = [.. metric.LabelNames, .. ScrapeLabels];
            if (metric.Kind == MetricKind.Histogram)
            {
                series[metric.Name + "_bucket"] = (metric, [.. labels, "le"]);
                series[metric.Name + "_sum"] = (metric, labels);
                series[metric.Name + "_count"] = (metric, labels);
            }
            else
            {
                series[metric.Name] = (metric, labels);
            }
        }

        return series;
    }

    [GeneratedRegex(@"(?<name>\b[a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*""")]
    private static partial Regex Matcher();
}
