using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Api;

/// <summary>The key could not be obtained. The message names the file or env var, never the key.</summary>
internal sealed class ApiKeyUnavailableException : Exception
{
    public ApiKeyUnavailableException()
    {
    }

    public ApiKeyUnavailableException(string message)
        : base(message)
    {
    }

    public ApiKeyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One target's API key. Keys rotate (every 90 days per the API reference), so a key file is re-checked before
/// every request: a stat of its last-write time and size is cheap next to an HTTPS request, and unlike a
/// FileSystemWatcher it also works for Kubernetes secret mounts (symlink swaps) and network file systems.
/// </summary>
internal sealed class ApiKeyProvider
{
    private readonly Lock _lock = new();
    private readonly Func<string, string?> _getEnvironmentVariable;
    private (DateTime LastWrite, long Length)? _fileStamp;
    private string? _cachedKey;

    public ApiKeyProvider(ApiKeySource source, Func<string, string?>? getEnvironmentVariable = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source.File is null && source.EnvironmentVariable is null
            ? source with { EnvironmentVariable = ApiKeySource.DefaultEnvironmentVariable }
            : source;
        _getEnvironmentVariable = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
    }

    public ApiKeySource Source { get; }

    /// <summary>Raised (outside any lock) when a changed key file was read; the argument describes the source.</summary>
    public event Action<string>? Reloaded;

    /// <summary>The current key, trimmed. Throws <see cref="ApiKeyUnavailableException"/> naming the source.</summary>
    public string GetKey()
    {
        if (Source.File is { } path)
        {
            return ReadFile(path);
        }

        var name = Source.EnvironmentVariable!;
        var value = _getEnvironmentVariable(name)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            throw new ApiKeyUnavailableException($"the API key environment variable {name} is not set or empty");
        }

        return Check(value, $"environment variable {name}");
    }

    private string ReadFile(string path)
    {
        bool reloaded;
        string key;
        lock (_lock)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ApiKeyUnavailableException($"the API key file {path} does not exist");
            }

            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (_cachedKey is not null && _fileStamp == stamp)
            {
                return _cachedKey;
            }

            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // These messages name the path and the OS error, not the content.
                throw new ApiKeyUnavailableException($"the API key file {path} cannot be read: {ex.Message}", ex);
            }

            var trimmed = text.Trim();
            if (trimmed.Length == 0)
            {
                throw new ApiKeyUnavailableException($"the API key file {path} is empty");
            }

            key = Check(trimmed, $"file {path}");
            reloaded = _cachedKey is not null && _cachedKey != key;
            _cachedKey = key;
            _fileStamp = stamp;
        }

        if (reloaded)
        {
            Reloaded?.Invoke($"file {path}");
        }

        return key;
    }

    /// <summary>A key goes into an HTTP header: refuse characters that would break or split it.</summary>
    private static string Check(string key, string source)
    {
        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                throw new ApiKeyUnavailableException(
                    $"the API key from {source} contains a character not allowed in an HTTP header (whitespace or non-ASCII)");
            }
        }

        return key;
    }
}
