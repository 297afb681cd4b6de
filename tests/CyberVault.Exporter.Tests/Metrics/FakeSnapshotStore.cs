using System.Collections.Immutable;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

/// <summary>A trivial thread-safe store for tests; the real one is another component's.</summary>
internal sealed class FakeSnapshotStore : ISnapshotStore
{
    private ImmutableSortedDictionary<string, TargetSnapshot> _snapshots =
        ImmutableSortedDictionary.Create<string, TargetSnapshot>(StringComparer.Ordinal);

    public FakeSnapshotStore(params TargetSnapshot[] snapshots)
    {
        foreach (var snapshot in snapshots)
        {
            Publish(snapshot);
        }
    }

    public void Publish(TargetSnapshot snapshot) =>
        ImmutableInterlocked.Update(ref _snapshots, (all, s) => all.SetItem(s.Target, s), snapshot);

    public void Remove(string target) =>
        ImmutableInterlocked.Update(ref _snapshots, (all, t) => all.Remove(t), target);

    public IReadOnlyList<TargetSnapshot> Current() => [.. _snapshots.Values];
}
