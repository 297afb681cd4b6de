using System.Collections.Immutable;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberVault.Exporter.Polling;

/// <summary>
/// Polls one target: GET /v2/status every status_interval, and an alerts sweep every alerts_interval or as often
/// as the budget allows. Publishes a new snapshot after every request and state change.
/// </summary>
internal sealed class TargetPoller
{
    public const string StatusCollector = "status";
    public const string AlertsCollector = "alerts";

    /// <summary>After a 401, a redirect or an unreadable key, wait this long, doubling per repeat up to <see cref="MaxBlockedBackoff"/>.</summary>
    public static readonly TimeSpan InitialBlockedBackoff = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan MaxBlockedBackoff = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaxHousekeepingInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly TargetRuntime _runtime;
    private readonly ICyberVaultApi _api;
    private readonly ISnapshotStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AlertSweeper _sweeper;

    private bool _up;
    private StatusSample? _status;
    private AlertCounts? _alerts;
    private CollectorState _statusState;
    private CollectorState _alertsState;
    private string? _statusProblem;
    private string? _alertsProblem;
    private string? _blockingProblem;
    private int _blockedCount;
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    public TargetPoller(TargetRuntime runtime, ICyberVaultApi api, ISnapshotStore store, TimeProvider time, ILogger? logger = null)
    {
        _runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger.Instance;
        _sweeper = new AlertSweeper(api, runtime.Config.Polling, runtime.Name, _logger);
        _statusState = new CollectorState(false, null, TimeSpan.Zero, Polling.StatusInterval);
        _alertsState = new CollectorState(false, null, TimeSpan.Zero, Polling.AlertsInterval);
    }

    public string Target => _runtime.Name;

    public TargetRuntime Runtime => _runtime;

    private Configuration.PollingConfig Polling => _runtime.Config.Polling;

    /// <summary>
    /// The alerts interval after budget stretching: max(alerts_interval, pages / (budget rpm − status rpm) minutes).
    /// When status polls alone would use (nearly) the whole budget, sweeps still get a tenth of it.
    /// </summary>
    public static TimeSpan EffectiveAlertsInterval(TimeSpan alertsInterval, int pagesLastSweep, double budgetRequestsPerMinute, TimeSpan statusInterval)
    {
        if (pagesLastSweep <= 0)
        {
            return alertsInterval;
        }

        var statusPerMinute = statusInterval > TimeSpan.Zero ? 60 / statusInterval.TotalSeconds : 0;
        var forPages = Math.Max(budgetRequestsPerMinute - statusPerMinute, budgetRequestsPerMinute / 10);
        var needed = TimeSpan.FromMinutes(pagesLastSweep / forPages);
        return needed > alertsInterval ? needed : alertsInterval;
    }

    /// <summary>Runs until cancelled; never throws for API failures.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Publish();
        try
        {
            await Task.WhenAll(
                StatusLoopAsync(cancellationToken),
                SweepLoopAsync(cancellationToken),
                HousekeepingLoopAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The snapshot as of now, with data older than max_staleness dropped.</summary>
    public TargetSnapshot BuildSnapshot()
    {
        lock (_lock)
        {
            return BuildSnapshotLocked();
        }
    }

    /// <summary>One status poll (public for tests; the loop calls it on schedule).</summary>
    public async Task PollStatusOnceAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var result = await _api.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var duration = _time.GetElapsedTime(started);
        lock (_lock)
        {
            _up = result.IsSuccess;
            if (result.IsSuccess)
            {
                var body = result.Value;
                _status = new StatusSample(
                    LabelValues.Sanitize(body.Status!),
                    body.ThreatLevel!.Value,
                    body.ActiveAlerts!.Value,
                    body.LastScan,
                    BoundRegion(body.Region),
                    now);
                _statusState = new CollectorState(true, now, duration, Polling.StatusInterval);
                Recovered(StatusCollector, ref _statusProblem);
            }
            else
            {
                _statusState = _statusState with { Success = false, LastDuration = duration };
                Failed(StatusCollector, result.Failure.Describe(), result.Failure, ref _statusProblem, now);
            }

            PublishLocked();
        }
    }

    /// <summary>One alerts sweep (public for tests; the loop calls it on schedule). Returns the pages it took.</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var result = await _sweeper.SweepAsync(Publish, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var duration = _time.GetElapsedTime(started);
        lock (_lock)
        {
            var interval = EffectiveAlertsInterval(Polling.AlertsInterval, result.Pages, _runtime.Budget.Plan.RequestsPerMinute, Polling.StatusInterval);
            if (result.Success)
            {
                _alerts = new AlertCounts(result.Counts!, now);
                _alertsState = new CollectorState(true, now, duration, interval);
                Recovered(AlertsCollector, ref _alertsProblem);
            }
            else
            {
                // A failed sweep publishes nothing partial: the previous complete counts stay until they go stale.
                _alertsState = _alertsState with { Success = false, LastDuration = duration, EffectiveInterval = interval };
                Failed(AlertsCollector, result.Error!, result.Failure, ref _alertsProblem, now);
            }

            PublishLocked();
        }

        return result;
    }

    public void Publish()
    {
        lock (_lock)
        {
            PublishLocked();
        }
    }

    private static string BoundRegion(string? region)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            return "unknown";
        }

        var cleaned = new string(region.Where(c => !char.IsControl(c)).Take(64).ToArray()).Trim();
        return cleaned.Length == 0 ? "unknown" : cleaned;
    }

    private async Task StatusLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitWhileBlockedAsync(cancellationToken).ConfigureAwait(false);
            var started = _time.GetUtcNow();
            await GuardAsync(StatusCollector, () => PollStatusOnceAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            await DelayUntilAsync(started + Polling.StatusInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitWhileBlockedAsync(cancellationToken).ConfigureAwait(false);
            var started = _time.GetUtcNow();
            await GuardAsync(AlertsCollector, () => SweepOnceAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            TimeSpan interval;
            lock (_lock)
            {
                interval = _alertsState.EffectiveInterval;
            }

            await DelayUntilAsync(started + interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A bug in one run must not end the loop (and with it the target's polling); it is logged and retried next interval.</summary>
    private async Task GuardAsync(string collector, Func<Task> run, CancellationToken cancellationToken)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Deliberately broad: see the summary; the exception is logged with its stack.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.CollectorCrashed(_logger, ex, Target, collector);
        }
    }

    /// <summary>Re-publishes periodically so that data past max_staleness is dropped even while nothing answers.</summary>
    private async Task HousekeepingLoopAsync(CancellationToken cancellationToken)
    {
        var interval = Polling.StatusInterval < MaxHousekeepingInterval ? Polling.StatusInterval : MaxHousekeepingInterval;
        while (true)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            Publish();
        }
    }

    private async Task WaitWhileBlockedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                wait = _blockedUntil - _time.GetUtcNow();
            }

            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DelayUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        var wait = due - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Failed(string collector, string description, ApiFailure? failure, ref string? problem, DateTimeOffset now)
    {
        if (failure is ApiFailure.Unauthorized or ApiFailure.Redirected or ApiFailure.KeyUnavailable)
        {
            // Retrying a refused key or a wrong URL at full speed helps nobody; back off, one log line per state.
            _blockedCount++;
            var backoff = TimeSpan.FromTicks(Math.Min(
                MaxBlockedBackoff.Ticks,
                InitialBlockedBackoff.Ticks * (1L << Math.Min(_blockedCount - 1, 20))));
            _blockedUntil = now + backoff;
            if (_blockingProblem != failure.Describe())
            {
                _blockingProblem = failure.Describe();
                Log.TargetBlocked(_logger, Target, _blockingProblem, backoff);
            }
        }

        if (problem != description)
        {
            problem = description;
            Log.CollectorFailed(_logger, Target, collector, description);
        }
    }

    private void Recovered(string collector, ref string? problem)
    {
        if (_blockingProblem is not null)
        {
            Log.TargetUnblocked(_logger, Target, _blockingProblem);
            _blockingProblem = null;
        }

        _blockedCount = 0;
        _blockedUntil = DateTimeOffset.MinValue;
        if (problem is not null)
        {
            Log.CollectorRecovered(_logger, Target, collector);
            problem = null;
        }
    }

    private void PublishLocked() => _store.Publish(BuildSnapshotLocked());

    private TargetSnapshot BuildSnapshotLocked()
    {
        var now = _time.GetUtcNow();
        var maxAge = Polling.MaxStaleness;
        var budget = _runtime.Budget;
        return new TargetSnapshot
        {
            Target = Target,
            Up = _up,
            Status = _status is { } status && now - status.ObservedAt <= maxAge ? status : null,
            Alerts = _alerts is { } alerts && now - alerts.CompletedAt <= maxAge ? alerts : null,
            RateLimit = budget.LastSample,
            TierRequestsPerMinute = budget.Plan.TierRequestsPerMinute,
            BudgetRequestsPerMinute = budget.Plan.RequestsPerMinute,
            BudgetWaitSecondsTotal = budget.WaitSecondsTotal,
            ApiRequests = _runtime.Requests.Snapshot(),
            Collectors = ImmutableDictionary<string, CollectorState>.Empty
                .Add(StatusCollector, _statusState)
                .Add(AlertsCollector, _alertsState),
        };
    }
}
