using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Budget;

/// <summary>The published per-key limits of each subscription tier (API reference, "Rate Limits").</summary>
internal static class TierLimits
{
    public static int RequestsPerMinute(Tier tier) => tier switch
    {
        Tier.Starter => 60,
        Tier.Professional => 300,
        Tier.Enterprise => 1200,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown tier"),
    };

    public static int Burst(Tier tier) => tier switch
    {
        Tier.Starter => 15,
        Tier.Professional => 50,
        Tier.Enterprise => 200,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown tier"),
    };
}

/// <summary>
/// What one target allows itself: a token bucket refilled at <c>tier_rpm × share / 60 s</c> holding
/// <c>floor(tier_burst × share)</c> tokens (at least one).
/// </summary>
internal sealed record BudgetPlan(int TierRequestsPerMinute, int TierBurst, double Share)
{
    public double RequestsPerMinute => TierRequestsPerMinute * Share;

    public double TokensPerSecond => RequestsPerMinute / 60.0;

    public int Capacity => Math.Max(1, (int)Math.Floor(TierBurst * Share));

    public static BudgetPlan For(TargetConfig target) =>
        new(TierLimits.RequestsPerMinute(target.Tier), TierLimits.Burst(target.Tier), target.BudgetShare);

    /// <summary>Requests one full cycle costs: one status poll plus one request per page per polled status.</summary>
    public static int RequestsPerCycle(IReadOnlyDictionary<string, long> alertCountsByStatus, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(alertCountsByStatus);
        var pages = 0;
        foreach (var count in alertCountsByStatus.Values)
        {
            // An empty status still costs one request to learn that it is empty.
            pages += Math.Max(1, (int)((count + pageSize - 1) / pageSize));
        }

        return 1 + pages;
    }
}
