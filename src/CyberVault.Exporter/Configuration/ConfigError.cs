using System.Globalization;

namespace CyberVault.Exporter.Configuration;

/// <summary>One mistake in a configuration file, located so an operator can jump to it.</summary>
/// <param name="Source">The file name as given, e.g. <c>exporter.yml</c>.</param>
/// <param name="Line">1-based line, or 0 when the error concerns the whole file.</param>
/// <param name="Column">1-based column, or 0 when the error concerns the whole file.</param>
/// <param name="Path">The key path, e.g. <c>targets[0].polling.page_size</c>, or empty for the whole file.</param>
/// <param name="Message">What is wrong, naming the value (never an API key or a secret).</param>
internal sealed record ConfigError(string Source, int Line, int Column, string Path, string Message)
{
    /// <summary><c>exporter.yml:14:18: targets[0].polling.page_size: 500 is above the maximum 200</c>.</summary>
    public override string ToString()
    {
        var location = Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Source}:{Line}:{Column}")
            : Source;
        return Path.Length > 0 ? $"{location}: {Path}: {Message}" : $"{location}: {Message}";
    }
}

/// <summary>Every mistake found in one configuration, reported together so one edit fixes them all.</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public ConfigException()
        : this([])
    {
    }

    public ConfigException(string message)
        : base(message)
    {
        Errors = [new ConfigError("", 0, 0, "", message)];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigError("", 0, 0, "", message)];
    }

    public IReadOnlyList<ConfigError> Errors { get; } = [];

    private static string Describe(IReadOnlyList<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count switch
        {
            0 => "invalid configuration",
            1 => $"invalid configuration: {errors[0]}",
            _ => $"invalid configuration, {errors.Count.ToString(CultureInfo.InvariantCulture)} errors:{Environment.NewLine}"
                 + string.Join(Environment.NewLine, errors.Select(e => "  " + e)),
        };
    }
}
