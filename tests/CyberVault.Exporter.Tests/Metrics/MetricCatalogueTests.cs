using System.Text.RegularExpressions;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

public partial class MetricCatalogueTests
{
    public static TheoryData<string> Names() => [.. MetricCatalogue.All.Select(m => m.Name)];

    [Fact]
    public void Metric_names_are_unique()
    {
        var names = MetricCatalogue.All.Select(m => m.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_public_descriptor_field_is_in_All()
    {
        var fields = typeof(MetricCatalogue).GetFields()
            .Where(f => f.FieldType == typeof(MetricDescriptor))
            .Select(f => (MetricDescriptor)f.GetValue(null)!)
            .ToList();

        Assert.Equal(fields.Count, MetricCatalogue.All.Length);
        Assert.All(fields, f => Assert.Contains(f, MetricCatalogue.All));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_metric_follows_the_Prometheus_naming_conventions(string name)
    {
        var metric = MetricCatalogue.All.Single(m => m.Name == name);

        Assert.Matches(MetricName(), metric.Name);
        Assert.StartsWith("cybervault_", metric.Name, StringComparison.Ordinal);
        // Counters end in _total; nothing else may (promtool's lint).
        Assert.Equal(metric.Kind == MetricKind.Counter, metric.Name.EndsWith("_total", StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(metric.Help));
        Assert.EndsWith(".", metric.Help, StringComparison.Ordinal);
        Assert.All(metric.LabelNames, label => Assert.Matches(LabelName(), label));
        Assert.DoesNotContain("le", metric.LabelNames);
    }

    [Fact]
    public void Every_target_metric_carries_the_target_label_first_and_no_exporter_metric_carries_it()
    {
        var exporterWide = MetricCatalogue.All.Where(m => m.Name.StartsWith("cybervault_exporter_", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [MetricCatalogue.BuildInformation, MetricCatalogue.ConfigLastReloadSuccessful, MetricCatalogue.ConfigLastReloadSuccessTimestamp],
            exporterWide);
        Assert.All(MetricCatalogue.All.Except(exporterWide), m => Assert.Equal(MetricCatalogue.TargetLabel, m.LabelNames[0]));
        Assert.All(exporterWide, m => Assert.DoesNotContain(MetricCatalogue.TargetLabel, m.LabelNames));
        Assert.Equal(["version", "revision", "runtime"], MetricCatalogue.BuildInformation.LabelNames);
    }

    [Fact]
    public void Only_histograms_are_observed_live_and_they_have_increasing_buckets()
    {
        Assert.All(MetricCatalogue.All, m => Assert.Equal(m.Kind != MetricKind.Histogram, m.IsSnapshotDerived));
        var buckets = MetricCatalogue.ApiRequestDuration.Buckets;
        Assert.Equal(buckets.Order(), buckets);
        Assert.Equal(buckets.Length, buckets.Distinct().Count());
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex LabelName();
}
