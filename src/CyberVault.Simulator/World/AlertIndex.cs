namespace CyberVault.Simulator;

/// <summary>
/// Alerts kept sorted oldest-first by the keyset (created_at, id). New alerts are the newest, so inserting
/// is usually an append; a page is a binary search to the cursor and a walk backwards, so a filtered page
/// of 200 out of 10,000+ costs O(log n + page) rather than a scan. Not thread-safe: the world locks.
/// </summary>
internal sealed class AlertIndex
{
    private readonly List<Alert> _items = [];

    public int Count => _items.Count;

    public void Insert(Alert alert) => _items.Insert(LowerBound(alert.CreatedAt.UtcTicks, alert.Id), alert);

    public void Remove(Alert alert)
    {
        int i = LowerBound(alert.CreatedAt.UtcTicks, alert.Id);
        if (i < _items.Count && _items[i].Id == alert.Id)
        {
            _items.RemoveAt(i);
        }
    }

    /// <summary>Replaces an alert whose keyset position did not change (a status change).</summary>
    public void Replace(Alert updated)
    {
        int i = LowerBound(updated.CreatedAt.UtcTicks, updated.Id);
        if (i < _items.Count && _items[i].Id == updated.Id)
        {
            _items[i] = updated;
        }
    }

    /// <summary>Alerts strictly older than the position (newest first), at most <paramref name="take"/>.</summary>
    public List<Alert> Page(AlertPosition? after, int take)
    {
        int start = after is { } p ? LowerBound(p.CreatedAtTicks, p.Id) - 1 : _items.Count - 1;
        var page = new List<Alert>(Math.Min(take, start + 1));
        for (int i = start; i >= 0 && page.Count < take; i--)
        {
            page.Add(_items[i]);
        }
        return page;
    }

    /// <summary>How many alerts were created at or after <paramref name="since"/>.</summary>
    public int CountSince(DateTimeOffset since) => _items.Count - LowerBound(since.UtcTicks, string.Empty);

    public List<Alert> NewestFirst()
    {
        var copy = new List<Alert>(_items);
        copy.Reverse();
        return copy;
    }

    /// <summary>Index of the first item not less than (ticks, id).</summary>
    private int LowerBound(long ticks, string id)
    {
        int lo = 0, hi = _items.Count;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (Compare(_items[mid], ticks, id) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static int Compare(Alert a, long ticks, string id)
    {
        int c = a.CreatedAt.UtcTicks.CompareTo(ticks);
        return c != 0 ? c : string.CompareOrdinal(a.Id, id);
    }
}

/// <summary>A keyset position: the last alert a page returned. <see cref="Top"/> sorts before every alert.</summary>
internal readonly record struct AlertPosition(long CreatedAtTicks, string Id)
{
    public static AlertPosition Top => new(long.MaxValue, string.Empty);
}
