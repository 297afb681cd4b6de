namespace CyberVault.Simulator;

/// <summary>
/// One request as the simulator saw it. <paramref name="KeyId"/> is a non-secret label of the key that
/// authenticated ("key-1" for the first configured key), null when none did; the key itself is never stored.
/// <paramref name="StatusCode"/> is 0 when the connection was dropped without a response.
/// </summary>
public sealed record RequestRecord(DateTimeOffset Time, string Method, string Path, string Query, int StatusCode, string? KeyId);

/// <summary>Every request to either listener (control endpoint excluded), so tests can count what a client spent.</summary>
public sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<RequestRecord> _records = [];

    public IReadOnlyList<RequestRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
        }
    }

    public int Count(Func<RequestRecord, bool>? where = null)
    {
        lock (_gate)
        {
            return where is null ? _records.Count : _records.Count(where);
        }
    }

    internal void Add(RequestRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }
}
