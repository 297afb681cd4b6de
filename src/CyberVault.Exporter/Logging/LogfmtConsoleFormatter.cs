using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CyberVault.Exporter.Logging;

/// <summary>
/// Writes one logfmt line per event (<c>ts=… level=… logger=… msg="…" key=value…</c>), the format Prometheus
/// components use, so the exporter's logs sit next to theirs in the same pipeline.
/// </summary>
internal sealed class LogfmtConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "logfmt";

    private readonly TimeProvider _timeProvider;

    public LogfmtConsoleFormatter(TimeProvider timeProvider)
        : base(FormatterName)
    {
        _timeProvider = timeProvider;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = new StringBuilder(160);
        Append(line, "ts", _timeProvider.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Append(line, "level", LevelName(logEntry.LogLevel));
        Append(line, "logger", ShortCategory(logEntry.Category));
        Append(line, "msg", message ?? string.Empty);

        // Structured values of [LoggerMessage] templates become their own keys, so logs can be queried by field.
        if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key == "{OriginalFormat}")
                {
                    continue;
                }

                Append(line, ToSnakeCase(key), Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
            }
        }

        if (logEntry.Exception is { } exception)
        {
            // Type and message only: stack traces are noise for operators and the message is already bounded by us.
            Append(line, "err", $"{exception.GetType().Name}: {exception.Message}");
        }

        line.Append('\n');
        textWriter.Write(line.ToString());
    }

    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error or LogLevel.Critical => "error",
        _ => "info",
    };

    private static string ShortCategory(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot >= 0 ? category[(dot + 1)..] : category;
    }

    private static void Append(StringBuilder line, string key, string value)
    {
        if (line.Length > 0)
        {
            line.Append(' ');
        }

        line.Append(key).Append('=');
        var needsQuotes = value.Length == 0;
        foreach (var c in value)
        {
            if (c <= ' ' || c == '"' || c == '=' || c == '\\')
            {
                needsQuotes = true;
                break;
            }
        }

        if (!needsQuotes)
        {
            line.Append(value);
            return;
        }

        line.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        line.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        line.Append(c);
                    }

                    break;
            }
        }

        line.Append('"');
    }

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_')
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
