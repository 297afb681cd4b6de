namespace CyberVault.Exporter.Webhooks;

/// <summary>
/// Event ids seen within the dedupe window, bounded in time (entries expire after the window, by the
/// <see cref="TimeProvider"/>) and in size (at most <see cref="Capacity"/> ids; beyond that the oldest is forgotten
/// early, so under a flood of distinct ids a very late duplicate could be applied twice, but memory stays bounded).
/// Thread-safe.
/// </summary>
internal sealed class DedupeCache
{
    public const int DefaultCapacity = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset SeenAt)> _order = new();
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;

    public DedupeCache(TimeSpan window, TimeProvider time, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _window = window;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Records <paramref name="id"/>; false when it was already seen within the window (a duplicate).</summary>
    public bool TryAdd(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            ExpireLocked(now);
            if (_seen.ContainsKey(id))
            {
                return false;
            }

            while (_seen.Count >= Capacity)
            {
                _seen.Remove(_order.Dequeue().Id);
            }

            _seen[id] = now;
            _order.Enqueue((id, now));
            return true;
        }
    }

    private void ExpireLocked(DateTimeOffset now)
    {
        // Entries are queued in arrival order, so the expired ones are at the front.
        while (_order.TryPeek(out var oldest) && now - oldest.SeenAt >= _window)
        {
            _order.Dequeue();
            _seen.Remove(oldest.Id);
        }
    }
}
