using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Configuration;

internal enum LogFormat
{
    Logfmt,
    Json,
}

/// <summary>What the command line asked for; immutable, built only by <see cref="CommandLine.Parse"/>.</summary>
internal sealed record CommandLineOptions
{
    public string ConfigFile { get; init; } = ConfigLoader.DefaultFileName;

    /// <summary>Null when not given: the file's <c>web.listen_address</c> (or the default) applies.</summary>
    public ListenEndpoint? ListenAddress { get; init; }

    /// <summary>An exporter-toolkit web configuration (TLS, basic auth), or null.</summary>
    public string? WebConfigFile { get; init; }

    public bool EnableLifecycle { get; init; }

    public bool ConfigCheck { get; init; }

    public bool Demo { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public LogFormat LogFormat { get; init; } = LogFormat.Logfmt;

    public bool ShowVersion { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>The command line wins over the file, and the file over <see cref="WebConfig.DefaultListenAddress"/>.</summary>
    public ListenEndpoint EffectiveListenAddress(ExporterConfig? config) =>
        ListenAddress ?? (config?.Web ?? new WebConfig(WebConfig.DefaultListenAddress)).Endpoint;
}

/// <summary>Every mistake on the command line, each naming its flag.</summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        Errors = errors;
    }

    public CommandLineException()
        : this(["invalid command line"])
    {
    }

    public CommandLineException(string message)
        : this([message])
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>
/// Prometheus-style flags (<c>--config.file=x</c> or <c>--config.file x</c>). Hand-written rather than a
/// library: ten flags, exact Prometheus spelling, and errors that name the flag.
/// </summary>
internal static class CommandLine
{
    public const string ProgramName = "cybervault-exporter";

    private static readonly Flag[] Flags =
    [
        new("--config.file", "FILE", $"Configuration file (default {ConfigLoader.DefaultFileName})."),
        new("--web.listen-address", "ADDRESS", $"Address to listen on, e.g. :{WebConfig.DefaultPort} or 127.0.0.1:{WebConfig.DefaultPort}; wins over web.listen_address (default {WebConfig.DefaultListenAddress})."),
        new("--web.config.file", "FILE", "Exporter-toolkit web configuration file (TLS, basic auth)."),
        new("--web.enable-lifecycle", null, "Enable POST /-/reload."),
        new("--config.check", null, "Validate the configuration, print each target's request budget, and exit 0 (valid) or 1."),
        new("--demo", null, "Run against an in-process simulator with a generated configuration."),
        new("--log.level", "LEVEL", "Log level: debug, info, warn or error (default info)."),
        new("--log.format", "FORMAT", "Log format: logfmt or json (default logfmt)."),
        new("--version", null, "Print the version and exit."),
        new("--help", null, "Print this help and exit (also -h)."),
    ];

    /// <exception cref="CommandLineException">Lists every bad flag or value.</exception>
    public static CommandLineOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var options = new CommandLineOptions();
        var configFileGiven = false;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "-h")
            {
                arg = "--help";
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                errors.Add(arg.StartsWith('-') && arg.Length > 1
                    ? $"{arg}: unknown flag; flags start with --{Hint(arg.TrimStart('-'))}"
                    : $"unexpected argument \"{arg}\"; every option is a --flag (see --help)");
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            var inlineValue = equals < 0 ? null : arg[(equals + 1)..];
            var flag = Array.Find(Flags, f => f.Name == name);
            if (flag is null)
            {
                errors.Add($"{name}: unknown flag{Hint(name)}");
                continue;
            }

            if (!seen.Add(flag.Name))
            {
                errors.Add($"{flag.Name}: given more than once");
                continue;
            }

            string? value;
            if (flag.ValueName is null)
            {
                // Booleans take no separate value, so "--demo x" never swallows x; "--demo=false" is allowed.
                value = inlineValue ?? "true";
                if (value is not ("true" or "false"))
                {
                    errors.Add($"{flag.Name}: \"{value}\" is not true or false");
                    continue;
                }
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"{flag.Name}: missing value {flag.ValueName}");
                continue;
            }

            var on = value == "true";
            switch (flag.Name)
            {
                case "--config.file":
                    if (value.Length == 0)
                    {
                        errors.Add("--config.file: the file name is empty");
                    }
                    else
                    {
                        options = options with { ConfigFile = value };
                        configFileGiven = true;
                    }

                    break;
                case "--web.listen-address":
                    if (ListenEndpoint.TryParse(value, out var endpoint, out var error))
                    {
                        options = options with { ListenAddress = endpoint };
                    }
                    else
                    {
                        errors.Add($"--web.listen-address: \"{value}\" is not a listen address: {error}");
                    }

                    break;
                case "--web.config.file":
                    if (value.Length == 0)
                    {
                        errors.Add("--web.config.file: the file name is empty");
                    }
                    else
                    {
                        options = options with { WebConfigFile = value };
                    }

                    break;
                case "--web.enable-lifecycle":
                    options = options with { EnableLifecycle = on };
                    break;
                case "--config.check":
                    options = options with { ConfigCheck = on };
                    break;
                case "--demo":
                    options = options with { Demo = on };
                    break;
                case "--log.level":
                    LogLevel? level = value switch
                    {
                        "debug" => LogLevel.Debug,
                        "info" => LogLevel.Information,
                        "warn" => LogLevel.Warning,
                        "error" => LogLevel.Error,
                        _ => null,
                    };
                    if (level is null)
                    {
                        errors.Add($"--log.level: \"{value}\" is not one of debug, info, warn, error");
                    }
                    else
                    {
                        options = options with { LogLevel = level.Value };
                    }

                    break;
                case "--log.format":
                    LogFormat? format = value switch
                    {
                        "logfmt" => LogFormat.Logfmt,
                        "json" => LogFormat.Json,
                        _ => null,
                    };
                    if (format is null)
                    {
                        errors.Add($"--log.format: \"{value}\" is not one of logfmt, json");
                    }
                    else
                    {
                        options = options with { LogFormat = format.Value };
                    }

                    break;
                case "--version":
                    options = options with { ShowVersion = on };
                    break;
                case "--help":
                    options = options with { ShowHelp = on };
                    break;
                default:
                    throw new InvalidOperationException($"flag {flag.Name} has no handler");
            }
        }

        if (options.Demo && configFileGiven)
        {
            errors.Add("--demo: uses a generated configuration; do not combine it with --config.file");
        }

        return errors.Count > 0 ? throw new CommandLineException(errors) : options;
    }

    /// <summary>The usage text printed by <c>--help</c>.</summary>
    public static string HelpText
    {
        get
        {
            var builder = new StringBuilder();
            builder.Append(CultureInfo.InvariantCulture, $"usage: {ProgramName} [<flags>]").AppendLine().AppendLine();
            builder.AppendLine("Prometheus exporter for the CyberVault Monitoring API v2.").AppendLine();
            builder.AppendLine("Flags:");
            foreach (var flag in Flags)
            {
                var left = flag.ValueName is null ? flag.Name : $"{flag.Name}={flag.ValueName}";
                builder.Append(CultureInfo.InvariantCulture, $"  {left,-32} {flag.Help}").AppendLine();
            }

            return builder.ToString();
        }
    }

    private static string Hint(string name)
    {
        var normalized = name.StartsWith("--", StringComparison.Ordinal) ? name : "--" + name;
        return Suggestions.Closest(normalized, Flags.Select(f => f.Name)) is { } suggestion ? $" (did you mean {suggestion}?)" : "";
    }

    private sealed record Flag(string Name, string? ValueName, string Help);
}
