using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CyberVault.Exporter.Api;

/// <summary>
/// Reads and validates response bodies as streams, bounded in size and depth, so a broken or hostile server
/// cannot make the exporter allocate without limit.
/// </summary>
internal static class ResponseReader
{
    public const int MaxDepth = 16;

    /// <summary>A page of 200 alerts is some 50 KiB; 16 MiB leaves room for fat unknown fields yet bounds memory.</summary>
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public static async Task<(T? Value, string? Error)> ReadAsync<T>(Stream body, JsonTypeInfo<T> typeInfo, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(body);
        await using var bounded = new LengthLimitedStream(body, maxBytes);
        try
        {
            var value = await JsonSerializer.DeserializeAsync(bounded, typeInfo, cancellationToken).ConfigureAwait(false);
            return value is null ? (null, "the body is JSON null") : (value, null);
        }
        catch (PageTooLongException ex)
        {
            return (null, $"field data has more than {ex.Max} items, more than any request asks for");
        }
        catch (BadAlertItemException ex)
        {
            var field = string.IsNullOrEmpty(ex.ItemPath) || ex.ItemPath == "$" ? string.Empty : ex.ItemPath[1..];
            return (null, $"field data[{ex.Index}]{field} is not valid (wrong type, bad JSON or nesting deeper than {MaxDepth})");
        }
        catch (JsonException ex)
        {
            // The message of a JsonException can quote input; only its path and position are used.
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : $"field {ex.Path}";
            return (null, $"{where} is not valid (wrong type, bad JSON or nesting deeper than {MaxDepth}) at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}");
        }
        catch (ResponseTooLargeException)
        {
            return (null, $"the body is larger than {maxBytes} bytes");
        }
    }

    /// <summary>Null when the status answer is complete and in range, else the problem naming the field.</summary>
    public static string? Validate(StatusResponse status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (string.IsNullOrWhiteSpace(status.Status))
        {
            return "field status is missing";
        }

        if (status.ThreatLevel is not { } threat)
        {
            return "field threat_level is missing";
        }

        if (threat is < 0 or > 10)
        {
            return $"field threat_level is {threat}, outside 0-10";
        }

        if (status.ActiveAlerts is not { } active)
        {
            return "field active_alerts is missing";
        }

        if (active < 0)
        {
            return $"field active_alerts is {active}, negative";
        }

        return null;
    }

    /// <summary>Null when the page is usable, else the problem naming the field.</summary>
    /// <param name="limit">The limit the request asked for: a longer page breaks the contract (and may be hostile).</param>
    public static string? Validate(AlertsPage page, int limit)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Data is null)
        {
            return "field data is missing";
        }

        if (page.Data.Count > limit)
        {
            return $"field data has {page.Data.Count} items, more than the limit of {limit} the request asked for";
        }

        for (var i = 0; i < page.Data.Count; i++)
        {
            var item = page.Data[i];
            if (item is null)
            {
                return $"field data[{i}] is null";
            }

            if (string.IsNullOrEmpty(item.Id))
            {
                return $"field data[{i}].id is missing";
            }

            if (string.IsNullOrEmpty(item.Severity))
            {
                return $"field data[{i}].severity is missing";
            }

            if (string.IsNullOrEmpty(item.Status))
            {
                return $"field data[{i}].status is missing";
            }
        }

        // has_more is required by the reference's example; tolerate its absence by trusting next_cursor.
        var hasMore = page.HasMore ?? !string.IsNullOrEmpty(page.NextCursor);
        if (hasMore && string.IsNullOrEmpty(page.NextCursor))
        {
            return "field next_cursor is missing while has_more is true";
        }

        return null;
    }
}

internal sealed class ResponseTooLargeException : IOException
{
    public ResponseTooLargeException()
        : base("response body too large")
    {
    }

    public ResponseTooLargeException(string message)
        : base(message)
    {
    }

    public ResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A read-only view of a stream that fails once more than a given number of bytes were read.</summary>
internal sealed class LengthLimitedStream(Stream inner, long maxBytes) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            throw new ResponseTooLargeException($"response body larger than {maxBytes} bytes");
        }

        return read;
    }
}
