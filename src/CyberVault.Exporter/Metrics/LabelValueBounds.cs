using System.Collections.Frozen;

namespace CyberVault.Exporter.Metrics;

/// <summary>
/// Label values that come from the API as enums. Known values pass through; an unknown value keeps its own
/// (sanitised) label value so it stays visible, but at most <see cref="BoundedLabel.MaxUnknownValues"/> distinct
/// unknown values per label over the process' lifetime, the rest become <c>other</c>: a misbehaving API must not
/// create unbounded series.
/// </summary>
internal sealed class LabelValueBounds
{
    public BoundedLabel SystemStatus { get; } = new(MetricCatalogue.KnownSystemStatuses);

    public BoundedLabel Severity { get; } = new(MetricCatalogue.KnownSeverities);

    public BoundedLabel AlertStatus { get; } = new(MetricCatalogue.KnownAlertStatuses);
}

internal sealed class BoundedLabel
{
    public const int MaxUnknownValues = 20;

    public const string Other = "other";

    /// <summary>Long enough for any real enum value, short enough that a garbage value cannot bloat a scrape.</summary>
    public const int MaxLength = 64;

    private readonly FrozenSet<string> _known;
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public BoundedLabel(IEnumerable<string> known)
    {
        _known = known.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The label value for a raw API value: sanitised, and <c>other</c> once the unknown budget is spent.</summary>
    public string Map(string? raw)
    {
        var value = Sanitise(raw);
        if (_known.Contains(value))
        {
            return value;
        }

        lock (_lock)
        {
            if (_unknown.Contains(value))
            {
                return value;
            }

            if (_unknown.Count < MaxUnknownValues)
            {
                _unknown.Add(value);
                return value;
            }
        }

        return Other;
    }

    /// <summary>
    /// Lower case ASCII letters, digits, '_' and '-'; anything else becomes '_'; at most <see cref="MaxLength"/>
    /// characters; empty becomes "unknown". Idempotent, so a value the API client already sanitised is unchanged.
    /// </summary>
    public static string Sanitise(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return "unknown";
        }

        var length = Math.Min(raw.Length, MaxLength);
        return string.Create(length, raw, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = char.ToLowerInvariant(source[i]);
                span[i] = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '_';
            }
        });
    }
}
