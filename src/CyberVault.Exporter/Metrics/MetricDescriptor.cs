using System.Collections.Immutable;

namespace CyberVault.Exporter.Metrics;

internal enum MetricKind
{
    Gauge,
    Counter,
    Histogram,
}

/// <summary>One sample of a metric: label values in the order of <see cref="MetricDescriptor.LabelNames"/>.</summary>
internal readonly record struct MetricSample(ImmutableArray<string> LabelValues, double Value);

/// <summary>
/// Everything a metrics backend needs to know about one metric family: name, type, help, label names and,
/// for snapshot-derived metrics, how to read its samples from the scrape inputs. Backends (prometheus-net
/// today, OpenTelemetry later) never spell a metric name themselves; they walk <see cref="MetricCatalogue.All"/>.
/// </summary>
internal sealed class MetricDescriptor
{
    private readonly Func<MetricInputs, IEnumerable<MetricSample>>? _collect;

    private MetricDescriptor(
        string name,
        MetricKind kind,
        string help,
        ImmutableArray<string> labelNames,
        ImmutableArray<double> buckets,
        Func<MetricInputs, IEnumerable<MetricSample>>? collect)
    {
        Name = name;
        Kind = kind;
        Help = help;
        LabelNames = labelNames;
        Buckets = buckets;
        _collect = collect;
    }

    public string Name { get; }

    public MetricKind Kind { get; }

    public string Help { get; }

    public ImmutableArray<string> LabelNames { get; }

    /// <summary>Upper bounds of a histogram's buckets (seconds); empty for other kinds.</summary>
    public ImmutableArray<double> Buckets { get; }

    /// <summary>
    /// True when the samples come from the scrape inputs (snapshots); false for metrics observed live
    /// (histograms: a distribution cannot be rebuilt from a snapshot).
    /// </summary>
    public bool IsSnapshotDerived => _collect is not null;

    /// <summary>The samples of this metric for one scrape. Only for <see cref="IsSnapshotDerived"/> metrics.</summary>
    public IEnumerable<MetricSample> Collect(MetricInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_collect is null)
        {
            throw new InvalidOperationException($"Metric {Name} is observed live and has no snapshot samples.");
        }

        return _collect(inputs);
    }

    /// <summary>A per-target metric with only the <c>target</c> label; a null value means "absent".</summary>
    public static MetricDescriptor PerTarget(string name, MetricKind kind, string help, Func<TargetSnapshot, double?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return PerTarget(name, kind, help, [], (snapshot, _) =>
        {
            var v = value(snapshot);
            return v is { } present ? [(ImmutableArray<string>.Empty, present)] : [];
        });
    }

    /// <summary>
    /// A per-target metric with more labels; <paramref name="samples"/> yields the values of
    /// <paramref name="extraLabels"/> (the <c>target</c> label is added first, here, for every metric).
    /// </summary>
    public static MetricDescriptor PerTarget(
        string name,
        MetricKind kind,
        string help,
        ImmutableArray<string> extraLabels,
        Func<TargetSnapshot, MetricInputs, IEnumerable<(ImmutableArray<string> Labels, double Value)>> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        RequireSnapshotKind(name, kind);
        return new MetricDescriptor(
            name,
            kind,
            help,
            [MetricCatalogue.TargetLabel, .. extraLabels],
            [],
            inputs => inputs.Targets.SelectMany(snapshot => samples(snapshot, inputs)
                .Select(s => new MetricSample([snapshot.Target, .. s.Labels], s.Value))));
    }

    /// <summary>An exporter-wide metric (no <c>target</c> label), read from <see cref="ExporterStatus"/>.</summary>
    public static MetricDescriptor Exporter(
        string name,
        MetricKind kind,
        string help,
        ImmutableArray<string> labels,
        Func<ExporterStatus, IEnumerable<(ImmutableArray<string> Labels, double Value)>> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        RequireSnapshotKind(name, kind);
        return new MetricDescriptor(
            name,
            kind,
            help,
            labels,
            [],
            inputs => samples(inputs.Exporter).Select(s => new MetricSample(s.Labels, s.Value)));
    }

    /// <summary>A per-target histogram observed live (not rendered from snapshots).</summary>
    public static MetricDescriptor LiveHistogram(string name, string help, ImmutableArray<string> extraLabels, ImmutableArray<double> buckets)
    {
        if (buckets.IsDefaultOrEmpty)
        {
            throw new ArgumentException($"Histogram {name} needs at least one bucket.", nameof(buckets));
        }

        return new MetricDescriptor(name, MetricKind.Histogram, help, [MetricCatalogue.TargetLabel, .. extraLabels], buckets, null);
    }

    private static void RequireSnapshotKind(string name, MetricKind kind)
    {
        if (kind == MetricKind.Histogram)
        {
            throw new ArgumentException($"Histogram {name} cannot be rendered from a snapshot; use LiveHistogram.", nameof(kind));
        }
    }

    public override string ToString() => Name;
}
