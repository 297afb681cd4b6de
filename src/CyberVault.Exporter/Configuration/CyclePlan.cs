using CyberVault.Exporter.Budget;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// What one target's polling costs against its budget: status polls every <c>status_interval</c> plus
/// one request per page per polled status every <c>alerts_interval</c>, stretched when the budget is short.
/// </summary>
/// <param name="AlertCounts">The count used per polled status (0 where unknown: one page).</param>
/// <param name="AssumedStatuses">Polled statuses with no last known count, assumed to fit one page.</param>
/// <param name="RequestsPerCycle">One status poll plus every page of one sweep (<see cref="BudgetPlan.RequestsPerCycle"/>).</param>
/// <param name="StatusesOverMaxPages">Statuses whose known count needs more pages than max_pages: their sweep fails.</param>
/// <param name="AlertsStarved">Status polls alone use the whole budget: no sweep can run.</param>
internal sealed record CyclePlan(
    BudgetPlan Budget,
    IReadOnlyDictionary<string, long> AlertCounts,
    IReadOnlyList<string> AssumedStatuses,
    int RequestsPerCycle,
    IReadOnlyList<string> StatusesOverMaxPages,
    double StatusPollsPerMinute,
    TimeSpan EffectiveStatusInterval,
    TimeSpan EffectiveAlertsInterval,
    bool AlertsStarved)
{
    public int PagesPerSweep => RequestsPerCycle - 1;

    /// <summary>Requests per minute at the configured intervals, before any stretching.</summary>
    public double PlannedRequestsPerMinute(TimeSpan alertsInterval) =>
        StatusPollsPerMinute + (PagesPerSweep * 60.0 / alertsInterval.TotalSeconds);

    public bool AlertsStretched(TimeSpan configured) => AlertsStarved || EffectiveAlertsInterval > configured;

    /// <param name="lastKnownCounts">Alert counts by status from the last complete sweep, or null when unknown.</param>
    public static CyclePlan For(TargetConfig target, IReadOnlyDictionary<string, long>? lastKnownCounts)
    {
        ArgumentNullException.ThrowIfNull(target);
        var polling = target.Polling;
        var budget = BudgetPlan.For(target);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var assumed = new List<string>();
        var overMaxPages = new List<string>();
        foreach (var status in polling.AlertStatuses)
        {
            if (lastKnownCounts is not null && lastKnownCounts.TryGetValue(status, out var count) && count >= 0)
            {
                counts[status] = count;
                if ((count + polling.PageSize - 1) / polling.PageSize > polling.MaxPages)
                {
                    overMaxPages.Add(status);
                }
            }
            else
            {
                counts[status] = 0;
                assumed.Add(status);
            }
        }

        var requestsPerCycle = BudgetPlan.RequestsPerCycle(counts, polling.PageSize);
        var pages = requestsPerCycle - 1;
        var statusPerMinute = 60.0 / polling.StatusInterval.TotalSeconds;
        var left = budget.RequestsPerMinute - statusPerMinute;

        TimeSpan effectiveStatus = polling.StatusInterval;
        TimeSpan effectiveAlerts;
        var starved = false;
        if (left <= 0)
        {
            // Status polls go first: they stretch to what the budget allows, and nothing is left for sweeps.
            effectiveStatus = Max(polling.StatusInterval, CeilingSeconds(60.0 / budget.RequestsPerMinute));
            effectiveAlerts = TimeSpan.MaxValue;
            starved = true;
        }
        else
        {
            effectiveAlerts = Max(polling.AlertsInterval, CeilingSeconds(pages * 60.0 / left));
        }

        return new CyclePlan(budget, counts, assumed, requestsPerCycle, overMaxPages, statusPerMinute, effectiveStatus, effectiveAlerts, starved);
    }

    private static TimeSpan CeilingSeconds(double seconds) => TimeSpan.FromSeconds(Math.Ceiling(seconds - 1e-9));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a >= b ? a : b;
}
