using System.Globalization;
using System.Text;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// Prometheus' duration syntax (model.Duration): units from largest to smallest, each at most once,
/// integers only, e.g. <c>1d</c>, <c>1h30m</c>, <c>15s</c>, <c>500ms</c>, or a bare <c>0</c>.
/// Operators already write durations this way in prometheus.yml, so the exporter accepts the same.
/// </summary>
internal static class Duration
{
    // Ordered from largest to smallest: the order a duration must be written in.
    private static readonly (string Unit, long Milliseconds)[] Units =
    [
        ("y", 365L * 24 * 60 * 60 * 1000),
        ("w", 7L * 24 * 60 * 60 * 1000),
        ("d", 24L * 60 * 60 * 1000),
        ("h", 60L * 60 * 1000),
        ("m", 60L * 1000),
        ("s", 1000),
        ("ms", 1),
    ];

    /// <summary>Longest accepted duration; far above every configured bound, it only guards the arithmetic.</summary>
    public static readonly TimeSpan MaxValue = TimeSpan.FromDays(365L * 1000);

    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <param name="error">Why the text is not a duration, for a message that teaches the syntax.</param>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration";
            return false;
        }

        if (text == "0")
        {
            error = null;
            return true;
        }

        long total = 0;
        var position = 0;
        var nextUnit = 0;
        while (position < text.Length)
        {
            var digitsStart = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position == digitsStart)
            {
                error = "expected a number followed by a unit (ms, s, m, h, d, w, y)";
                return false;
            }

            if (!long.TryParse(text.AsSpan(digitsStart, position - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = "number too large";
                return false;
            }

            if (position < text.Length && !char.IsAsciiLetter(text[position]))
            {
                error = $"unexpected \"{text[position]}\"; durations are whole numbers with units, e.g. 1s500ms";
                return false;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            var unit = text.AsSpan(unitStart, position - unitStart);
            if (unit.IsEmpty)
            {
                error = "missing unit (ms, s, m, h, d, w, y)";
                return false;
            }

            var index = IndexOfUnit(unit);
            if (index < 0)
            {
                error = $"unknown unit \"{unit}\" (use ms, s, m, h, d, w, y)";
                return false;
            }

            if (index < nextUnit)
            {
                error = "units must appear once each, from largest to smallest (e.g. 1h30m)";
                return false;
            }

            nextUnit = index + 1;
            var milliseconds = Units[index].Milliseconds;
            if (number > (long)MaxValue.TotalMilliseconds / milliseconds)
            {
                error = "duration too long";
                return false;
            }

            total += number * milliseconds;
            if (total > (long)MaxValue.TotalMilliseconds)
            {
                error = "duration too long";
                return false;
            }
        }

        value = TimeSpan.FromMilliseconds(total);
        error = null;
        return true;
    }

    /// <summary>The canonical Prometheus spelling, e.g. 90 s → <c>1m30s</c>; zero is <c>0s</c>. Sub-millisecond parts are dropped.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a duration is never negative");
        }

        var remaining = (long)value.TotalMilliseconds;
        if (remaining == 0)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        foreach (var (unit, milliseconds) in Units)
        {
            var count = remaining / milliseconds;
            if (count > 0)
            {
                builder.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                remaining -= count * milliseconds;
            }
        }

        return builder.ToString();
    }

    private static int IndexOfUnit(ReadOnlySpan<char> unit)
    {
        for (var i = 0; i < Units.Length; i++)
        {
            if (unit.SequenceEqual(Units[i].Unit))
            {
                return i;
            }
        }

        return -1;
    }
}
