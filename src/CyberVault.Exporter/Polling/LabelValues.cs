using System.Text;

namespace CyberVault.Exporter.Polling;

/// <summary>
/// Label values from the API: unknown enum values stay visible (api-notes) but sanitised to [a-z0-9_] and at
/// most 32 characters, so a server cannot inject odd characters or blow up series cardinality.
/// </summary>
internal static class LabelValues
{
    public const int MaxLength = 32;

    /// <summary>Unknown values per label beyond this are counted as <see cref="Other"/>.</summary>
    public const int MaxUnknownValues = 20;

    public const string Other = "other";

    public static string Sanitize(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var builder = new StringBuilder(Math.Min(raw.Length, MaxLength));
        foreach (var c in raw.Trim())
        {
            if (builder.Length == MaxLength)
            {
                break;
            }

            var lower = char.ToLowerInvariant(c);
            builder.Append(lower is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? lower : '_');
        }

        return builder.Length == 0 ? "unknown" : builder.ToString();
    }
}

/// <summary>Maps raw values of one label to known values, or to at most 20 sanitised unknown ones, the rest to "other".</summary>
internal sealed class BoundedLabel(IReadOnlyCollection<string> known)
{
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Unknown => _unknown;

    /// <summary>How many raw values were folded into "other" because the unknown set was full.</summary>
    public long Folded { get; private set; }

    public string Map(string raw)
    {
        var value = LabelValues.Sanitize(raw);
        if (known.Contains(value) || _unknown.Contains(value))
        {
            return value;
        }

        if (_unknown.Count < LabelValues.MaxUnknownValues)
        {
            _unknown.Add(value);
            return value;
        }

        Folded++;
        return LabelValues.Other;
    }
}
