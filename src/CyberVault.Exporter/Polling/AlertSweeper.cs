using System.Collections.Immutable;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberVault.Exporter.Polling;

/// <summary>The outcome of one sweep: complete counts, or an error and nothing partial.</summary>
internal sealed record SweepResult(
    ImmutableDictionary<(string Severity, string Status), long>? Counts,
    int Pages,
    string? Error,
    ApiFailure? Failure)
{
    public bool Success => Error is null && Counts is not null;

    public static SweepResult Failed(int pages, string error, ApiFailure? failure = null) => new(null, pages, error, failure);
}

/// <summary>
/// Walks GET /v2/alerts for each polled status, following next_cursor while has_more, and counts alerts per
/// (severity, status). It assumes no order (api-notes): a cursor seen twice or more than max_pages pages end
/// the sweep as an error rather than a hang.
/// </summary>
internal sealed class AlertSweeper(ICyberVaultApi api, PollingConfig polling, string target, ILogger? logger = null)
{
    public static readonly ImmutableArray<string> KnownSeverities = ["critical", "high", "medium", "low"];

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <param name="afterEachRequest">Called after every page request, e.g. to publish request counters.</param>
    public async Task<SweepResult> SweepAsync(Action? afterEachRequest, CancellationToken cancellationToken)
    {
        var statuses = polling.AlertStatuses.Select(LabelValues.Sanitize).Distinct(StringComparer.Ordinal).ToList();
        var polled = new HashSet<string>(statuses, StringComparer.Ordinal);
        var counts = new Dictionary<(string Severity, string Status), long>();
        foreach (var status in statuses)
        {
            foreach (var severity in KnownSeverities)
            {
                counts[(severity, status)] = 0;
            }
        }

        var severities = new BoundedLabel(KnownSeverities);
        var pages = 0;
        long ignored = 0;
        // Pagination may be unstable while alerts change (api-notes: order and stability are not promised);
        // an alert seen twice in one sweep is counted once.
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < polling.AlertStatuses.Count; s++)
        {
            var queried = polling.AlertStatuses[s];
            var seenCursors = new HashSet<string>(StringComparer.Ordinal);
            string? cursor = null;
            var pagesForStatus = 0;
            while (true)
            {
                if (pagesForStatus == polling.MaxPages)
                {
                    return SweepResult.Failed(pages, $"status {queried}: more than max_pages ({polling.MaxPages}) pages; counts not updated");
                }

                var result = await api.GetAlertsPageAsync(queried, polling.PageSize, cursor, cancellationToken).ConfigureAwait(false);
                pages++;
                pagesForStatus++;
                afterEachRequest?.Invoke();
                if (!result.IsSuccess)
                {
                    return SweepResult.Failed(pages, $"status {queried}, page {pagesForStatus}: {result.Failure.Describe()}", result.Failure);
                }

                var page = result.Value;
                foreach (var alert in page.Data!)
                {
                    // Do not trust the server's filter: an alert is counted under its own status if that one is polled.
                    var status = LabelValues.Sanitize(alert.Status!);
                    if (!seenIds.Add(alert.Id!))
                    {
                        continue;
                    }

                    if (!polled.Contains(status))
                    {
                        ignored++;
                        continue;
                    }

                    var key = (severities.Map(alert.Severity!), status);
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }

                var hasMore = page.HasMore ?? !string.IsNullOrEmpty(page.NextCursor);
                if (!hasMore)
                {
                    break;
                }

                if (!seenCursors.Add(page.NextCursor!))
                {
                    return SweepResult.Failed(pages, $"status {queried}: the API repeated a pagination cursor after page {pagesForStatus}; counts not updated");
                }

                cursor = page.NextCursor;
            }
        }

        if (ignored > 0)
        {
            Log.AlertsWithUnpolledStatusIgnored(_logger, target, ignored);
        }

        if (severities.Folded > 0)
        {
            Log.UnknownSeveritiesFolded(_logger, target, severities.Folded, LabelValues.MaxUnknownValues);
        }

        return new SweepResult(counts.ToImmutableDictionary(), pages, null, null);
    }
}
