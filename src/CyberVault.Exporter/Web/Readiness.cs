using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Web;

/// <summary>
/// Ready once every configured target had at least one good status poll: before that, its metrics would say
/// nothing and a rollout should wait. A target without a snapshot yet is not ready.
/// </summary>
internal sealed class Readiness(IConfiguredTargets targets, ISnapshotStore store)
{
    public const string StatusCollector = "status";

    /// <summary>The configured targets without a successful status poll yet, in config order; empty when ready.</summary>
    public IReadOnlyList<string> TargetsNotReady()
    {
        var snapshots = store.Current().ToDictionary(s => s.Target, StringComparer.Ordinal);
        return [.. targets.Names.Where(name => !IsReady(snapshots.GetValueOrDefault(name)))];
    }

    private static bool IsReady(TargetSnapshot? snapshot) =>
        snapshot is not null
        && snapshot.Collectors.TryGetValue(StatusCollector, out var status)
        && status.LastSuccess is not null;
}
