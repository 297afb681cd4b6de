using System.Security.Cryptography;
using System.Text;
using CyberVault.Exporter.Logging;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Webhooks;

/// <summary>A webhook secret file that cannot be used at start-up (empty, unreadable or too large).</summary>
internal sealed class WebhookSecretsException : Exception
{
    public WebhookSecretsException()
    {
    }

    public WebhookSecretsException(string message)
        : base(message)
    {
    }

    public WebhookSecretsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The HMAC secrets of one target, read from its secret files. Each file holds one secret: its content as UTF-8
/// with leading and trailing white space (the usual final newline) removed. The files are re-read when they
/// change, checked at most once per <see cref="CheckInterval"/> when a delivery arrives; polling the content
/// (not a file watcher) also sees Kubernetes' symlink swaps of mounted secrets.
/// At start an empty or unreadable file is an error; a missing one is only a warning (it may be mounted later).
/// On a later change, an empty or unreadable file keeps the last good secrets in use.
/// </summary>
internal sealed class WebhookSecrets
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>A secret is a short string; a larger file is a wrong path, not a secret.</summary>
    public const int MaxFileBytes = 4096;

    private readonly IReadOnlyList<string> _files;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly Lock _lock = new();
    private IReadOnlyList<byte[]> _secrets;
    private byte[] _fingerprint;
    private DateTimeOffset _nextCheck;
    private bool _warnedNoSecret;

    private WebhookSecrets(IReadOnlyList<string> files, TimeProvider time, ILogger logger, string target, IReadOnlyList<byte[]> secrets, byte[] fingerprint)
    {
        _files = files;
        _time = time;
        _logger = logger;
        _target = target;
        _secrets = secrets;
        _fingerprint = fingerprint;
        _nextCheck = time.GetUtcNow() + CheckInterval;
    }

    /// <summary>Reads the files at start-up.</summary>
    /// <exception cref="WebhookSecretsException">A file is empty, unreadable or larger than <see cref="MaxFileBytes"/>.</exception>
    public static WebhookSecrets Load(IReadOnlyList<string> files, TimeProvider time, ILogger logger, string target)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(target);
        var read = Read(files);
        if (read.Problem is not null)
        {
            throw new WebhookSecretsException($"target {target}: {read.Problem}");
        }

        foreach (var missing in read.Missing)
        {
            Log.WebhookSecretFileMissing(logger, target, missing);
        }

        return new WebhookSecrets(files, time, logger, target, read.Secrets, read.Fingerprint);
    }

    /// <summary>The secrets in use (re-reading the files first if the check interval has passed); empty when none is loaded yet.</summary>
    public IReadOnlyList<byte[]> Current()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (now >= _nextCheck)
            {
                _nextCheck = now + CheckInterval;
                ReloadLocked();
            }

            if (_secrets.Count == 0 && !_warnedNoSecret)
            {
                _warnedNoSecret = true;
                Log.WebhookNoSecret(_logger, _target);
            }

            return _secrets;
        }
    }

    private void ReloadLocked()
    {
        var read = Read(_files);
        if (read.Fingerprint.AsSpan().SequenceEqual(_fingerprint))
        {
            return;
        }

        _fingerprint = read.Fingerprint;
        if (read.Problem is not null)
        {
            Log.WebhookSecretsReloadFailed(_logger, _target, read.Problem);
            return;
        }

        if (read.Secrets.Count == 0)
        {
            if (_secrets.Count > 0)
            {
                Log.WebhookSecretsReloadFailed(_logger, _target, "none of the secret files exists any more");
            }

            return;
        }

        _secrets = read.Secrets;
        _warnedNoSecret = false;
        Log.WebhookSecretsReloaded(_logger, _target, _secrets.Count);
    }

    private static ReadResult Read(IReadOnlyList<string> files)
    {
        var secrets = new List<byte[]>();
        var missing = new List<string>();
        string? problem = null;
        using var fingerprint = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            byte[]? content = null;
            try
            {
                content = ReadBounded(file);
            }
            catch (FileNotFoundException)
            {
                missing.Add(file);
            }
            catch (DirectoryNotFoundException)
            {
                missing.Add(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem ??= $"webhook secret file {file} cannot be read: {ex.Message}";
            }

            // The fingerprint covers every file's state, so a change of any one of them is noticed.
            fingerprint.AppendData(BitConverter.GetBytes(content?.Length ?? -1));
            fingerprint.AppendData(content ?? []);
            if (content is null)
            {
                continue;
            }

            if (content.Length > MaxFileBytes)
            {
                problem ??= $"webhook secret file {file} is larger than {MaxFileBytes} bytes; it should hold one secret";
                continue;
            }

            var secret = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content).Trim());
            CryptographicOperations.ZeroMemory(content);
            if (secret.Length == 0)
            {
                problem ??= $"webhook secret file {file} is empty; an empty secret would let anyone sign events";
                continue;
            }

            secrets.Add(secret);
        }

        return new ReadResult(secrets, missing, problem, fingerprint.GetHashAndReset());
    }

    private static byte[] ReadBounded(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        var buffer = new byte[MaxFileBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        var content = buffer[..total];
        // Secrets should not linger in freed memory longer than needed.
        CryptographicOperations.ZeroMemory(buffer);
        return content;
    }

    private sealed record ReadResult(IReadOnlyList<byte[]> Secrets, IReadOnlyList<string> Missing, string? Problem, byte[] Fingerprint);
}
