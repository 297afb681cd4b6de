using System.Collections.Frozen;
using CyberVault.Exporter.Logging;
using Microsoft.Extensions.Logging;
using Prometheus;
using PrometheusStatic = Prometheus.Metrics;

namespace CyberVault.Exporter.Metrics.PrometheusNet;

/// <summary>
/// The prometheus-net backend. prometheus-net has no custom-collector API, so every catalogue metric gets a
/// prometheus-net collector in <see cref="Registry"/>, and a before-collect callback copies the latest snapshots
/// into them: gauges are set, counters are raised with IncTo, and every labelled child that the snapshots no longer
/// produce is removed, so a removed target or a label value that went away disappears from the next scrape.
/// Reads only <see cref="MetricCatalogue"/>, the snapshot store and the exporter status.
/// </summary>
internal sealed class PrometheusMetricsRenderer
{
    private readonly ISnapshotStore _store;
    private readonly IExporterStatusSource _status;
    private readonly ILogger<PrometheusMetricsRenderer> _logger;
    private readonly LabelValueBounds _labels = new();
    private readonly Binding[] _snapshotBindings;
    private readonly FrozenDictionary<MetricDescriptor, Histogram> _histograms;
    private readonly Lock _renderLock = new();

    // Targets whose histogram children were found absent from the store at the previous render.
    private HashSet<string> _absentAtPreviousRender = new(StringComparer.Ordinal);
    private volatile bool _lastRenderFailed;

    public PrometheusMetricsRenderer(
        CollectorRegistry registry,
        ISnapshotStore store,
        IExporterStatusSource status,
        ILogger<PrometheusMetricsRenderer> logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _store = store;
        _status = status;
        _logger = logger;
        Registry = registry;

        var factory = PrometheusStatic.WithCustomRegistry(registry);
        var bindings = new List<Binding>();
        var histograms = new Dictionary<MetricDescriptor, Histogram>();
        foreach (var descriptor in MetricCatalogue.All)
        {
            var labelNames = descriptor.LabelNames.ToArray();
            switch (descriptor.Kind)
            {
                case MetricKind.Gauge:
                    bindings.Add(new GaugeBinding(descriptor, factory.CreateGauge(descriptor.Name, descriptor.Help, labelNames)));
                    break;
                case MetricKind.Counter:
                    bindings.Add(new CounterBinding(descriptor, factory.CreateCounter(descriptor.Name, descriptor.Help, labelNames)));
                    break;
                case MetricKind.Histogram:
                    histograms.Add(descriptor, factory.CreateHistogram(
                        descriptor.Name,
                        descriptor.Help,
                        labelNames,
                        new HistogramConfiguration
                        {
                            Buckets = descriptor.Buckets.ToArray(),
                            // Exemplars only show in OpenMetrics, which /metrics does not offer; skip capturing trace ids.
                            ExemplarBehavior = ExemplarBehavior.NoExemplars(),
                        }));
                    break;
                default:
                    throw new InvalidOperationException($"Metric {descriptor.Name} has an unsupported kind {descriptor.Kind}.");
            }
        }

        _snapshotBindings = [.. bindings];
        _histograms = histograms.ToFrozenDictionary();
        registry.AddBeforeCollectCallback(Render);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>
    /// Whether the last render threw. prometheus-net swallows callback exceptions and would serve a half-applied
    /// state, so the /metrics endpoint checks this and answers 503 instead.
    /// </summary>
    public bool LastRenderFailed => _lastRenderFailed;

    /// <summary>The prometheus-net histogram of a live catalogue metric.</summary>
    public Histogram LiveHistogram(MetricDescriptor descriptor) =>
        _histograms.TryGetValue(descriptor, out var histogram)
            ? histogram
            : throw new ArgumentException($"Metric {descriptor} is not a live histogram of the catalogue.", nameof(descriptor));

    /// <summary>Copies the current snapshots into the collectors. Runs before every collect; serialised.</summary>
    public void Render()
    {
        lock (_renderLock)
        {
            try
            {
                var inputs = new MetricInputs(_store.Current(), _status.Current(), _labels);
                foreach (var binding in _snapshotBindings)
                {
                    binding.Apply(inputs);
                }

                RemoveHistogramChildrenOfGoneTargets(inputs.Targets);
                _lastRenderFailed = false;
            }
#pragma warning disable CA1031 // prometheus-net would swallow it anyway; record it so the scrape answers 503 and log it once here.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _lastRenderFailed = true;
                Log.MetricsRenderFailed(_logger, ex);
            }
        }
    }

    /// <summary>
    /// Histograms are observed live by the API client, so their children are created before the target's first
    /// snapshot is published. A target's children are removed only when it was absent from the store at two
    /// consecutive renders: that grace keeps the first observations of a starting target, and still removes a
    /// target that was taken out of the store (a late observation recreates a child, the next two renders drop it).
    /// </summary>
    private void RemoveHistogramChildrenOfGoneTargets(IReadOnlyList<TargetSnapshot> targets)
    {
        var present = targets.Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
        var absentNow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (descriptor, histogram) in _histograms)
        {
            var targetIndex = descriptor.LabelNames.IndexOf(MetricCatalogue.TargetLabel);
            foreach (var labelValues in histogram.GetAllLabelValues().ToList())
            {
                var target = labelValues[targetIndex];
                if (present.Contains(target))
                {
                    continue;
                }

                if (_absentAtPreviousRender.Contains(target))
                {
                    histogram.RemoveLabelled(labelValues);
                    Log.RemovedSeriesOfGoneTarget(_logger, descriptor.Name, target);
                }
                else
                {
                    absentNow.Add(target);
                }
            }
        }

        _absentAtPreviousRender = absentNow;
    }

    private abstract class Binding(MetricDescriptor descriptor)
    {
        public void Apply(MetricInputs inputs)
        {
            var desired = new Dictionary<string[], double>(LabelValuesComparer.Instance);
            foreach (var sample in descriptor.Collect(inputs))
            {
                if (sample.LabelValues.Length != descriptor.LabelNames.Length)
                {
                    throw new InvalidOperationException(
                        $"Metric {descriptor.Name} produced {sample.LabelValues.Length} label values for {descriptor.LabelNames.Length} label names.");
                }

                // Unknown values beyond the bound fold into "other"; their counts add up.
                var key = sample.LabelValues.ToArray();
                desired[key] = desired.TryGetValue(key, out var existing) ? existing + sample.Value : sample.Value;
            }

            foreach (var labelValues in ExistingLabelValues())
            {
                if (!desired.ContainsKey(labelValues))
                {
                    Remove(labelValues);
                }
            }

            // Sorted, so new children (and thus the output) appear in a stable order, not the snapshot's hash order.
            foreach (var (labelValues, value) in desired.OrderBy(kv => kv.Key, LabelValuesComparer.Instance))
            {
                Set(labelValues, value);
            }
        }

        protected abstract List<string[]> ExistingLabelValues();

        protected abstract void Remove(string[] labelValues);

        protected abstract void Set(string[] labelValues, double value);
    }

    private sealed class GaugeBinding(MetricDescriptor descriptor, Gauge gauge) : Binding(descriptor)
    {
        protected override List<string[]> ExistingLabelValues() => [.. gauge.GetAllLabelValues()];

        protected override void Remove(string[] labelValues) => gauge.RemoveLabelled(labelValues);

        protected override void Set(string[] labelValues, double value) => gauge.WithLabels(labelValues).Set(value);
    }

    private sealed class CounterBinding(MetricDescriptor descriptor, Counter counter) : Binding(descriptor)
    {
        protected override List<string[]> ExistingLabelValues() => [.. counter.GetAllLabelValues()];

        protected override void Remove(string[] labelValues) => counter.RemoveLabelled(labelValues);

        protected override void Set(string[] labelValues, double value)
        {
            var child = counter.WithLabels(labelValues);
            if (value < child.Value)
            {
                // The source restarted counting (e.g. the target's poller was recreated by a reload). IncTo cannot go
                // down, so start a fresh child: Prometheus' rate() reads the drop as a counter reset, which it is.
                counter.RemoveLabelled(labelValues);
                child = counter.WithLabels(labelValues);
            }

            child.IncTo(value);
        }
    }

    private sealed class LabelValuesComparer : IEqualityComparer<string[]>, IComparer<string[]>
    {
        public static readonly LabelValuesComparer Instance = new();

        public int Compare(string[]? x, string[]? y)
        {
            if (x is null || y is null)
            {
                return (x is null ? 0 : 1) - (y is null ? 0 : 1);
            }

            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            {
                var c = string.CompareOrdinal(x[i], y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return x.Length.CompareTo(y.Length);
        }

        public bool Equals(string[]? x, string[]? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(string[] obj)
        {
            var hash = new HashCode();
            foreach (var value in obj)
            {
                hash.Add(value, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
