using System.Text.RegularExpressions;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Metrics;

public partial class MetricsDocumentationTests
{
    [Fact]
    public void Docs_metrics_md_lists_exactly_the_catalogues_metrics_with_their_types_and_labels()
    {
        var rows = DocumentedRows();

        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(
            MetricCatalogue.All.Select(m => m.Name).Order(StringComparer.Ordinal),
            rows.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(rows, row =>
        {
            var metric = MetricCatalogue.All.Single(m => m.Name == row.Name);
            Assert.Equal(metric.Kind.ToString().ToLowerInvariant(), row.Type);
            Assert.Equal(string.Join(", ", metric.LabelNames), row.Labels);
        });
    }

    private static List<(string Name, string Type, string Labels)> DocumentedRows()
    {
        var path = Path.Combine(Repository.Root, "docs", "metrics.md");
        return
        [
            .. File.ReadLines(path)
                .Select(line => TableRow().Match(line))
                .Where(m => m.Success)
                .Select(m => (m.Groups["name"].Value, m.Groups["type"].Value.Trim(), m.Groups["labels"].Value.Trim())),
        ];
    }

    // A metrics table row: | `name` | type | labels | meaning | absent when |
    [GeneratedRegex(@"^\|\s*`(?<name>[a-z_][a-z0-9_]*)`\s*\|(?<type>[^|]*)\|(?<labels>[^|]*)\|")]
    private static partial Regex TableRow();
}
