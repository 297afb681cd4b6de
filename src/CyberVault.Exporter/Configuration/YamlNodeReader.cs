using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;
using static CyberVault.Exporter.Configuration.ConfigLoader;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// The strict reading every exporter YAML file shares (<c>exporter.yml</c>, the web configuration): known keys only,
/// typed scalars, values shown cut short in messages, and every error collected with its key path and line.
/// </summary>
/// <param name="source">The file name for error locations.</param>
/// <param name="baseDirectory">Where relative file paths in the document start.</param>
internal abstract class YamlNodeReader(string source, string baseDirectory)
{
    public List<ConfigError> Errors { get; } = [];

    protected string Source { get; } = source;

    protected string BaseDirectory { get; } = baseDirectory;

    /// <summary>A file path, made absolute against the configuration's folder so a reload from another cwd agrees.</summary>
    protected string? ReadPath(YamlNode node, string path)
    {
        var text = ReadString(node, path);
        if (text is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            Error(node, path, "is empty; expected the path of a file");
            return null;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            Error(node, path, "is not a valid file path");
            return null;
        }

        return Path.GetFullPath(text, BaseDirectory);
    }

    /// <summary>A path (as <see cref="ReadPath"/>) that must name an existing file.</summary>
    protected string? ReadExistingFile(YamlNode node, string path)
    {
        var file = ReadPath(node, path);
        if (file is not null && !File.Exists(file))
        {
            Error(node, path, $"{Show(node)} does not exist ({file})");
            return null;
        }

        return file;
    }

    /// <summary>The PEM certificates of <paramref name="file"/> (a CA bundle): at least one, else an error naming the value.</summary>
    protected X509Certificate2Collection? ReadPemCertificates(YamlNode node, string path, string file)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            Error(node, path, $"{Show(node)} cannot be read as PEM certificates: {e.Message}");
            return null;
        }

        if (certificates.Count == 0)
        {
            Error(node, path, $"{Show(node)} contains no PEM certificate (-----BEGIN CERTIFICATE-----)");
            return null;
        }

        return certificates;
    }

    protected Dictionary<string, Entry> ReadKeys(YamlMappingNode mapping, string path, IReadOnlyList<string> known)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode key || key.Value is null)
            {
                Error(keyNode, path, $"keys must be plain names, got {Describe(keyNode)}");
                continue;
            }

            var keyPath = Join(path, key.Value);
            if (known.Contains(key.Value, StringComparer.Ordinal))
            {
                result[key.Value] = new Entry(key, value);
            }
            else if (key.Value == "api_key" && known.Contains("api_key_file", StringComparer.Ordinal))
            {
                // The value is never echoed: it is the secret this rule exists to keep out of files and logs.
                Error(key, keyPath, "an inline API key is refused (value not shown); put the key in a file and set api_key_file, or in an environment variable and set api_key_env");
            }
            else if (key.Value == "<<")
            {
                Error(key, keyPath, "YAML merge keys are not supported; write the keys out");
            }
            else
            {
                var where = path.Length == 0 ? "at the top level" : $"in {path}";
                Error(key, keyPath, $"unknown key {where}{DidYouMean(key.Value, known)}; known keys: {string.Join(", ", known)}");
            }
        }

        return result;
    }

    protected Entry? Required(Dictionary<string, Entry> keys, YamlMappingNode mapping, string path, string key, string what)
    {
        if (keys.TryGetValue(key, out var entry))
        {
            return entry;
        }

        Error(mapping, Join(path, key), $"missing; required: {what}");
        return null;
    }

    protected bool AsMapping(YamlNode node, string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out YamlMappingNode? mapping)
    {
        mapping = node as YamlMappingNode;
        if (mapping is not null)
        {
            return true;
        }

        if (!IsNull(node))
        {
            Error(node, path, $"expected a mapping (key: value lines), got {Describe(node)}");
        }

        return false;
    }

    protected string? ReadString(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, $"expected a single value, got {Describe(node)}");
            return null;
        }

        if (IsNull(scalar))
        {
            Error(node, path, "a value is required");
            return null;
        }

        return scalar.Value ?? "";
    }

    protected List<(string Value, YamlNode Node)>? ReadStringList(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, path, $"expected a list (e.g. [a, b]), got {Describe(node)}");
            return null;
        }

        var items = new List<(string, YamlNode)>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var text = ReadString(sequence.Children[i], Index(path, i));
            if (text is null)
            {
                return null;
            }

            items.Add((text, sequence.Children[i]));
        }

        return items;
    }

    protected long? ReadInteger(YamlNode node, string path)
    {
        if (ReadTypedScalar(node, path, "an integer") is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, path, $"{Show(node)} is not an integer");
            return null;
        }

        return value;
    }

    protected double? ReadNumber(YamlNode node, string path)
    {
        if (ReadTypedScalar(node, path, "a number") is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            Error(node, path, $"{Show(node)} is not a number");
            return null;
        }

        return value;
    }

    protected bool? ReadBool(YamlNode node, string path)
    {
        if (ReadTypedScalar(node, path, "true or false") is not { } text)
        {
            return null;
        }

        switch (text)
        {
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                Error(node, path, $"{Show(node)} is not a boolean; expected true or false");
                return null;
        }
    }

    /// <summary>A plain (unquoted) scalar: a quoted "200" is a string, not a number, as in Prometheus' own config.</summary>
    protected string? ReadTypedScalar(YamlNode node, string path, string expected)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, $"expected {expected}, got {Describe(node)}");
            return null;
        }

        if (IsNull(scalar))
        {
            Error(node, path, $"a value is required: {expected}");
            return null;
        }

        if (scalar.Style is not (YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any))
        {
            Error(node, path, $"{Show(node)} is a quoted string; expected {expected} (remove the quotes)");
            return null;
        }

        return scalar.Value ?? "";
    }

    protected void Error(YamlNode node, string path, string message) =>
        Errors.Add(new ConfigError(Source, ToInt(node.Start.Line), ToInt(node.Start.Column), path, message));

    protected static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    protected static bool LooksLikeApiKey(string value) =>
        value.Contains("cv_live_", StringComparison.OrdinalIgnoreCase) || value.Contains("cv_test_", StringComparison.OrdinalIgnoreCase);

    protected static string DidYouMean(string value, IEnumerable<string> candidates) =>
        Suggestions.Closest(value, candidates) is { } suggestion ? $" (did you mean {suggestion}?)" : "";

    protected static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when LooksLikeApiKey(scalar.Value ?? "") => "a value that looks like an API key (not shown)",
        YamlScalarNode scalar => $"the value {Show(scalar)}",
        _ => "an alias",
    };

    /// <summary>The value as written (quoted if it was), cut short so a pasted blob cannot flood the message.</summary>
    protected static string Show(YamlNode node)
    {
        const int MaxShown = 80;
        if (node is not YamlScalarNode scalar)
        {
            return Describe(node);
        }

        var value = scalar.Value ?? "";
        if (LooksLikeApiKey(value))
        {
            // A key pasted into the wrong field must not reach a log through its error message.
            return "the value (not shown: it looks like an API key)";
        }

        if (value.Length > MaxShown)
        {
            value = string.Concat(value.AsSpan(0, MaxShown), "…");
        }

        return scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any ? value : $"\"{value}\"";
    }

    protected sealed record Entry(YamlScalarNode Key, YamlNode Value);
}
