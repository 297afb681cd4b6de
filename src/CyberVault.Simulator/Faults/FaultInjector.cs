namespace CyberVault.Simulator;

/// <summary>
/// A FIFO of faults for the next API responses. Each entry applies to <c>count</c> consecutive responses.
/// A <see cref="RepeatCursor"/> at the head waits for the next alert listing; other requests skip past it
/// without consuming it; so do requests to other paths than a <see cref="ReplaceBody"/>'s. Requests rejected by authentication or the real rate limit consume nothing.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(Fault Fault, int Remaining)> _queue = new();
    private int _slowWaiting;

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="count"/> API responses.</summary>
    public void Enqueue(Fault fault, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (fault is RateLimited r && r.RetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), "RateLimited.RetryAfter cannot be negative.");
        }
        if (fault is Slow s && s.Delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), "Slow.Delay cannot be negative.");
        }
        lock (_gate)
        {
            _queue.AddLast((fault, count));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _queue.Clear();
        }
    }

    /// <summary>Responses still to be faulted.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Sum(e => e.Remaining);
            }
        }
    }

    /// <summary>Requests currently held by a <see cref="Slow"/> fault (their timer exists), for tests that advance fake time.</summary>
    public int SlowRequestsWaiting => Volatile.Read(ref _slowWaiting);

    internal void SlowWaitStarted() => Interlocked.Increment(ref _slowWaiting);

    internal void SlowWaitEnded() => Interlocked.Decrement(ref _slowWaiting);

    internal Fault? TakeFor(bool isAlertListing, string path)
    {
        lock (_gate)
        {
            for (LinkedListNode<(Fault Fault, int Remaining)>? node = _queue.First; node is not null; node = node.Next)
            {
                if (node.Value.Fault is RepeatCursor && !isAlertListing)
                {
                    continue;
                }
                if (node.Value.Fault is ReplaceBody { Path: { } only } && !string.Equals(only, path, StringComparison.Ordinal))
                {
                    continue;
                }
                Fault fault = node.Value.Fault;
                if (node.Value.Remaining <= 1)
                {
                    _queue.Remove(node);
                }
                else
                {
                    node.Value = (fault, node.Value.Remaining - 1);
                }
                return fault;
            }
            return null;
        }
    }
}
