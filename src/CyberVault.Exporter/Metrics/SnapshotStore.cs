using System.Collections.Immutable;

namespace CyberVault.Exporter.Metrics;

/// <summary>
/// The latest snapshot per target. Writers swap an immutable dictionary atomically; readers never lock and
/// always see a consistent set.
/// </summary>
internal sealed class SnapshotStore : ISnapshotStore
{
    private ImmutableSortedDictionary<string, TargetSnapshot> _snapshots =
        ImmutableSortedDictionary.Create<string, TargetSnapshot>(StringComparer.Ordinal);

    public void Publish(TargetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ImmutableInterlocked.Update(ref _snapshots, static (all, s) => all.SetItem(s.Target, s), snapshot);
    }

    public void Remove(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ImmutableInterlocked.Update(ref _snapshots, static (all, t) => all.Remove(t), target);
    }

    public IReadOnlyList<TargetSnapshot> Current() => [.. Volatile.Read(ref _snapshots).Values];

    public TargetSnapshot? Get(string target) =>
        Volatile.Read(ref _snapshots).TryGetValue(target, out var snapshot) ? snapshot : null;
}
