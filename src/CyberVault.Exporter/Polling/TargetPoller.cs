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

    /// <summary>The failure reason of a sweep ended by a repeated cursor or max_pages (no API failure behind it).</summary>
    public const string PaginationReason = "pagination";

    /// <summary>The failure reason of a run that threw (an exporter bug).</summary>
    public const string InternalReason = "internal";

    /// <summary>After a 401, a redirect or an unreadable key, wait this long, doubling per repeat up to <see cref="MaxBlockedBackoff"/>.</summary>
    public static readonly TimeSpan InitialBlockedBackoff = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan MaxBlockedBackoff = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaxHousekeepingInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shortest gap between sweep starts when a webhook asks for an early one (the shortest alerts_interval);
    /// stretched further by the budget like the normal interval, so webhook bursts cannot spend the budget on sweeps.
    /// </summary>
    public static readonly TimeSpan MinEarlySweepGap = Configuration.ConfigLimits.MinAlertsInterval;

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

    // Webhook state. Alert deltas are kept apart from the sweep's counts: those applied before the running sweep
    // started are replaced by its result, those applied since stay until the next sweep (which they asked for).
    private readonly HashSet<string> _polledStatuses;
    private readonly Dictionary<(string Severity, string Status), long> _deltaBeforeSweep = [];
    private readonly Dictionary<(string Severity, string Status), long> _deltaSinceSweepStart = [];
    private WebhookStats? _webhooks;
    private TimeSpan _earlySweepGap;
    private TaskCompletionSource _earlySweepSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="webhookStats">Webhook counters carried over from the target's previous poller (a reload), so they do not reset.</param>
    public TargetPoller(TargetRuntime runtime, ICyberVaultApi api, ISnapshotStore store, TimeProvider time, ILogger? logger = null, WebhookStats? webhookStats = null)
    {
        _runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger.Instance;
        _sweeper = new AlertSweeper(api, runtime.Config.Polling, runtime.Name, _logger);
        _statusState = new CollectorState(false, null, TimeSpan.Zero, Polling.StatusInterval);
        _alertsState = new CollectorState(false, null, TimeSpan.Zero, Polling.AlertsInterval);
        _polledStatuses = new HashSet<string>(Polling.AlertStatuses.Select(LabelValues.Sanitize), StringComparer.Ordinal);
        _webhooks = runtime.Config.Webhook.Enabled ? webhookStats ?? WebhookStats.Empty : null;
        _earlySweepGap = MinEarlySweepGap < Polling.AlertsInterval ? MinEarlySweepGap : Polling.AlertsInterval;
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
        lock (_lock)
        {
            // Webhook deltas applied so far are (at the latest) seen by this sweep; later ones may not be.
            Merge(_deltaBeforeSweep, _deltaSinceSweepStart);
            _deltaSinceSweepStart.Clear();
        }

        var started = _time.GetTimestamp();
        var result = await _sweeper.SweepAsync(Publish, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var duration = _time.GetElapsedTime(started);
        lock (_lock)
        {
            var interval = EffectiveAlertsInterval(Polling.AlertsInterval, result.Pages, _runtime.Budget.Plan.RequestsPerMinute, Polling.StatusInterval);
            var earlyGap = EffectiveAlertsInterval(MinEarlySweepGap, result.Pages, _runtime.Budget.Plan.RequestsPerMinute, Polling.StatusInterval);
            _earlySweepGap = earlyGap < interval ? earlyGap : interval;
            if (result.Success)
            {
                // The complete sweep is the truth: deltas it covers are dropped.
                _deltaBeforeSweep.Clear();
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

    /// <summary>
    /// Adjusts the published count of (severity, status) by <paramref name="delta"/> until the next complete sweep
    /// replaces it. Only for a known severity and a polled status (other series are not published); returns
    /// whether it applied. Counts never show below 0.
    /// </summary>
    public bool ApplyWebhookAlertDelta(string severity, string status, int delta)
    {
        ArgumentNullException.ThrowIfNull(severity);
        ArgumentNullException.ThrowIfNull(status);
        var key = (LabelValues.Sanitize(severity), LabelValues.Sanitize(status));
        if (delta == 0 || !AlertSweeper.KnownSeverities.Contains(key.Item1) || !_polledStatuses.Contains(key.Item2))
        {
            return false;
        }

        lock (_lock)
        {
            _deltaSinceSweepStart[key] = _deltaSinceSweepStart.GetValueOrDefault(key) + delta;
            PublishLocked();
        }

        return true;
    }

    /// <summary>
    /// Asks for a sweep sooner than alerts_interval: it starts once <see cref="MinEarlySweepGap"/> (stretched by the
    /// budget) has passed since the last sweep started, and its requests still wait for budget tokens like any other.
    /// Requests made while one is pending or running fold into one sweep.
    /// </summary>
    public void RequestEarlySweep()
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            signal = _earlySweepSignal;
        }

        signal.TrySetResult();
    }

    /// <summary>Counts one webhook delivery (and its finding, if any) and publishes.</summary>
    /// <param name="signatureValid">True when the delivery's signature was verified: it then moves the last-event time.</param>
    public void RecordWebhookEvent(string eventLabel, string result, bool signatureValid, WebhookFinding finding = WebhookFinding.None)
    {
        ArgumentNullException.ThrowIfNull(eventLabel);
        ArgumentNullException.ThrowIfNull(result);
        lock (_lock)
        {
            if (_webhooks is not { } stats)
            {
                return;
            }

            var key = (eventLabel, result);
            _webhooks = stats with
            {
                Events = stats.Events.SetItem(key, stats.Events.GetValueOrDefault(key) + 1),
                LastEventAt = signatureValid ? _time.GetUtcNow() : stats.LastEventAt,
                ComplianceFailures = stats.ComplianceFailures + (finding == WebhookFinding.ComplianceFailed ? 1 : 0),
                AssetVulnerableEvents = stats.AssetVulnerableEvents + (finding == WebhookFinding.AssetVulnerable ? 1 : 0),
            };
            PublishLocked();
        }
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
            lock (_lock)
            {
                // A request made from now on needs a sweep after this one; earlier ones are served by this one.
                if (_earlySweepSignal.Task.IsCompleted)
                {
                    _earlySweepSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            await GuardAsync(AlertsCollector, () => SweepOnceAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            TimeSpan interval;
            TimeSpan earlyGap;
            Task earlySignal;
            lock (_lock)
            {
                interval = _alertsState.EffectiveInterval;
                earlyGap = _earlySweepGap;
                earlySignal = _earlySweepSignal.Task;
            }

            await WaitForNextSweepAsync(started + interval, started + earlyGap, earlySignal, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="due"/>, or, once an early sweep is asked for, until <paramref name="earliest"/>.</summary>
    private async Task WaitForNextSweepAsync(DateTimeOffset due, DateTimeOffset earliest, Task earlySignal, CancellationToken cancellationToken)
    {
        var wait = due - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, delayCancellation.Token);
        var first = await Task.WhenAny(delay, earlySignal).ConfigureAwait(false);
        if (first == delay)
        {
            await delay.ConfigureAwait(false);
            return;
        }

        await delayCancellation.CancelAsync().ConfigureAwait(false);
        try
        {
            await delay.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The normal wait is replaced by the shorter one below (or we are stopping).
        }

        cancellationToken.ThrowIfCancellationRequested();
        await DelayUntilAsync(earliest, cancellationToken).ConfigureAwait(false);
    }

    private static void Merge(Dictionary<(string Severity, string Status), long> into, Dictionary<(string Severity, string Status), long> from)
    {
        foreach (var (key, delta) in from)
        {
            into[key] = into.GetValueOrDefault(key) + delta;
        }
    }

    /// <summary>The sweep's counts plus the webhook deltas since, never below 0.</summary>
    private AlertCounts AdjustedLocked(AlertCounts alerts)
    {
        if (_deltaBeforeSweep.Count == 0 && _deltaSinceSweepStart.Count == 0)
        {
            return alerts;
        }

        var total = new Dictionary<(string Severity, string Status), long>(_deltaBeforeSweep);
        Merge(total, _deltaSinceSweepStart);
        var counts = alerts.Counts.ToBuilder();
        foreach (var (key, delta) in total)
        {
            if (counts.TryGetValue(key, out var count))
            {
                counts[key] = Math.Max(0, count + delta);
            }
        }

        return alerts with { Counts = counts.ToImmutable() };
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
            _runtime.Failures.Increment((collector, InternalReason));
            Publish();
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
        // Every failed run is counted; a sweep failure without an API failure is a pagination problem.
        _runtime.Failures.Increment((collector, failure?.Kind ?? PaginationReason));
        if (failure is ApiFailure.Unauthorized or ApiFailure.Redirected or ApiFailure.KeyUnavailable)
        {
            // Retrying a refused key or a wrong URL at full speed helps nobody: back off exponentially. The target
            // is one state for the operator, so one line says so (not one per collector, not one per attempt).
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

            problem = _blockingProblem;
            return;
        }

        // The state is the kind of failure, not its text: a 429's text names its Retry-After time and a sweep's its
        // page, and a line per attempt would bury the one that matters.
        var state = failure?.Kind ?? description;
        if (problem != state)
        {
            problem = state;
            Log.CollectorFailed(_logger, Target, collector, description);
        }
    }

    private void Recovered(string collector, ref string? problem)
    {
        if (_blockingProblem is not null)
        {
            Log.TargetUnblocked(_logger, Target, _blockingProblem);
            // That line covers both collectors where they failed only because the target was blocked.
            _statusProblem = _statusProblem == _blockingProblem ? null : _statusProblem;
            _alertsProblem = _alertsProblem == _blockingProblem ? null : _alertsProblem;
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
            Alerts = _alerts is { } alerts && now - alerts.CompletedAt <= maxAge ? AdjustedLocked(alerts) : null,
            RateLimit = budget.LastSample,
            TierRequestsPerMinute = budget.Plan.TierRequestsPerMinute,
            BudgetRequestsPerMinute = budget.Plan.RequestsPerMinute,
            BudgetWaitSecondsTotal = budget.WaitSecondsTotal,
            ApiRequests = _runtime.Requests.Snapshot(),
            CollectorFailures = _runtime.Failures.Snapshot(),
            Collectors = ImmutableDictionary<string, CollectorState>.Empty
                .Add(StatusCollector, _statusState)
                .Add(AlertsCollector, _alertsState),
            Webhooks = _webhooks,
        };
    }
}

/// <summary>What an accepted webhook event adds to a finding counter.</summary>
internal enum WebhookFinding
{
    None,
    ComplianceFailed,
    AssetVulnerable,
}
