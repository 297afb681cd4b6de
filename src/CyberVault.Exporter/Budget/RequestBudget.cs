using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberVault.Exporter.Budget;

/// <summary>Status polls go before sweep pages when both wait for the same budget.</summary>
internal enum RequestPriority
{
    Status = 0,
    Page = 1,
}

/// <summary>
/// The request budget of one target. Every request (every retry attempt too) takes a permit first; a permit
/// needs ALL of:
/// <list type="number">
/// <item>a token from a token bucket (rate <see cref="BudgetPlan.TokensPerSecond"/>, capacity <see cref="BudgetPlan.Capacity"/>);</item>
/// <item>room in a 60-s sliding window of floor(<see cref="BudgetPlan.RequestsPerMinute"/>) requests: a full bucket
/// plus a minute of refill would otherwise spend more than our per-minute share;</item>
/// <item>room in a 1-s sliding window of <see cref="BudgetPlan.Capacity"/> requests: a full burst plus the refill
/// during the same second would otherwise exceed the burst share within one second;</item>
/// <item>no Retry-After gate from a 429;</item>
/// <item>header-aware pacing: when X-RateLimit-Remaining (minus a safety margin, minus what other clients of the
/// shared key are expected to spend at their observed rate) is less than what we could spend before
/// X-RateLimit-Reset, the remainder is spread evenly until the reset, and with nothing left we wait for the reset.</item>
/// </list>
/// </summary>
/// <remarks>
/// The bucket is our own, not System.Threading.RateLimiting's TokenBucketRateLimiter: that class measures the
/// elapsed time for replenishment with Stopwatch even when AutoReplenishment is off and TryReplenish is called by
/// hand (verified: driving it from a FakeTimeProvider timer refilled it by real elapsed time), so it cannot be
/// driven by a <see cref="TimeProvider"/> and the budget could not be tested exactly. The bucket here is the same
/// algorithm (continuous refill at a fixed rate up to a capacity) computed from <see cref="TimeProvider"/> readings,
/// which also tells exactly when the next token will be there, so no replenishment timer is needed.
/// </remarks>
internal sealed class RequestBudget : IDisposable
{
    /// <summary>Requests kept in reserve from X-RateLimit-Remaining: in-flight requests and clock skew eat into it.</summary>
    public const int SafetyMargin = 2;

    private static readonly TimeSpan MinuteWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SecondWindow = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan RateEstimateSpan = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan OthersRateHalfLife = TimeSpan.FromSeconds(10);

    /// <summary>Waking a hair after a window edge avoids a busy loop on rounding at the exact boundary.</summary>
    private static readonly TimeSpan EdgeSlack = TimeSpan.FromMilliseconds(1);

    /// <summary>Floating-point slack: a token that is there but for rounding counts as there.</summary>
    private const double TokenEpsilon = 1e-6;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _target;
    private double _tokens;
    private DateTimeOffset _refilledAt;
    private readonly Queue<DateTimeOffset> _granted = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _gateUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _lastGrant = DateTimeOffset.MinValue;
    private RateLimitSample? _lastSample;
    private int _grantsSinceSample;
    private RateLimitSample? _rateReference;
    private int _grantsSinceReference;
    private double _othersPerSecond;
    private DateTimeOffset _othersMeasuredAt;
    private int _statusWaiting;
    private double _waitSeconds;
    private bool _pacing;
    private bool _disposed;

    public RequestBudget(BudgetPlan plan, TimeProvider time, string target = "", ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(time);
        if (!(plan.RequestsPerMinute > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(plan), plan.RequestsPerMinute, "the budget must allow more than 0 requests per minute");
        }

        Plan = plan;
        _time = time;
        _target = target;
        _logger = logger ?? NullLogger.Instance;
        ReplenishmentPeriod = TimeSpan.FromSeconds(1 / plan.TokensPerSecond);
        _tokens = plan.Capacity;
        _refilledAt = time.GetUtcNow();
    }

    public BudgetPlan Plan { get; }

    /// <summary>The time one token takes to refill: 1 / <see cref="BudgetPlan.TokensPerSecond"/>.</summary>
    public TimeSpan ReplenishmentPeriod { get; }

    /// <summary>At most this many requests in any 60 s.</summary>
    public int MinuteCap => Math.Max(1, (int)Math.Floor(Plan.RequestsPerMinute));

    /// <summary>Counter: seconds callers spent waiting in <see cref="AcquireAsync"/>.</summary>
    public double WaitSecondsTotal
    {
        get
        {
            lock (_lock)
            {
                return _waitSeconds;
            }
        }
    }

    /// <summary>The latest rate-limit headers seen, or null.</summary>
    public RateLimitSample? LastSample
    {
        get
        {
            lock (_lock)
            {
                return _lastSample;
            }
        }
    }

    /// <summary>Nothing is sent before this instant (a 429's Retry-After); MinValue when no gate is set.</summary>
    public DateTimeOffset GateUntil
    {
        get
        {
            lock (_lock)
            {
                return _gateUntil;
            }
        }
    }

    /// <summary>Whole tokens in the bucket now.</summary>
    public long AvailableTokens
    {
        get
        {
            lock (_lock)
            {
                Refill(_time.GetUtcNow());
                return (long)Math.Floor(_tokens);
            }
        }
    }

    /// <summary>Waits until a request may be sent, then takes its permit.</summary>
    public async ValueTask AcquireAsync(RequestPriority priority, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var waitingAsStatus = false;
        if (priority == RequestPriority.Status)
        {
            lock (_lock)
            {
                _statusWaiting++;
                waitingAsStatus = true;
            }
        }

        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan delay;
                Task changed;
                lock (_lock)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    var now = _time.GetUtcNow();
                    delay = DelayBeforeNextGrant(now, priority);
                    if (delay == TimeSpan.Zero)
                    {
                        Grant(now);
                        if (waitingAsStatus)
                        {
                            _statusWaiting--;
                            waitingAsStatus = false;
                        }

                        _waitSeconds += Math.Max(0, (now - started).TotalSeconds);
                        SignalLocked();
                        return;
                    }

                    changed = _changed.Task;
                }

                await WaitAsync(delay, changed, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (waitingAsStatus)
            {
                lock (_lock)
                {
                    _statusWaiting--;
                    _waitSeconds += Math.Max(0, (_time.GetUtcNow() - started).TotalSeconds);
                    SignalLocked();
                }
            }
        }
    }

    /// <summary>Feeds a response's rate-limit headers (and a 429's retry time) into the budget.</summary>
    public void OnResponse(RateLimitSample? sample, DateTimeOffset? rateLimitedUntil)
    {
        lock (_lock)
        {
            if (sample is not null && (_lastSample is null || sample.ObservedAt >= _lastSample.ObservedAt))
            {
                EstimateOthers(sample);
                _lastSample = sample;
                _grantsSinceSample = 0;
            }

            if (rateLimitedUntil is { } until && until > _gateUntil)
            {
                _gateUntil = until;
                Log.RetryAfterGateSet(_logger, _target, until);
            }

            SignalLocked();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _changed.TrySetResult();
        }

    }

    /// <summary>Zero when a token may be taken now; otherwise how long until the state could allow it (Infinite: until a change).</summary>
    private TimeSpan DelayBeforeNextGrant(DateTimeOffset now, RequestPriority priority)
    {
        if (now < _gateUntil)
        {
            return _gateUntil - now;
        }

        if (priority == RequestPriority.Page && _statusWaiting > 0)
        {
            return Timeout.InfiniteTimeSpan;
        }

        // Windows are inclusive at the old end, so a request exactly 60 s after another still counts against it:
        // that keeps the cap true for closed windows too.
        while (_granted.Count > 0 && _granted.Peek() < now - MinuteWindow)
        {
            _granted.Dequeue();
        }

        if (_granted.Count >= MinuteCap)
        {
            return _granted.Peek() + MinuteWindow + EdgeSlack - now;
        }

        var inLastSecond = 0;
        DateTimeOffset? oldestInSecond = null;
        foreach (var at in _granted)
        {
            if (at >= now - SecondWindow)
            {
                inLastSecond++;
                oldestInSecond ??= at;
            }
        }

        if (inLastSecond >= Plan.Capacity && oldestInSecond is { } oldest)
        {
            return oldest + SecondWindow + EdgeSlack - now;
        }

        var pacing = PacingDelay(now);
        if (pacing > TimeSpan.Zero)
        {
            return pacing;
        }

        Refill(now);
        if (_tokens >= 1 - TokenEpsilon)
        {
            return TimeSpan.Zero;
        }

        // Exactly when the next whole token is there, rounded up to a whole tick.
        return TimeSpan.FromTicks((long)Math.Ceiling((1 - _tokens) / Plan.TokensPerSecond * TimeSpan.TicksPerSecond));
    }

    private void Refill(DateTimeOffset now)
    {
        if (now > _refilledAt)
        {
            _tokens = Math.Min(Plan.Capacity, _tokens + ((now - _refilledAt).TotalSeconds * Plan.TokensPerSecond));
            _refilledAt = now;
        }
    }

    private TimeSpan PacingDelay(DateTimeOffset now)
    {
        if (_lastSample is not { ResetAt: { } resetAt } sample || resetAt <= now)
        {
            SetPacing(false, 0, now);
            return TimeSpan.Zero;
        }

        var untilReset = resetAt - now;
        // What others will likely spend before the reset, at the rate they have been spending it.
        var othersExpected = (long)Math.Ceiling(OthersRateAt(now) * untilReset.TotalSeconds);
        var usable = sample.Remaining - SafetyMargin - _grantsSinceSample - othersExpected;
        Refill(now);
        var couldSpend = Math.Floor(_tokens) + (untilReset.TotalSeconds * Plan.TokensPerSecond);
        if (usable >= couldSpend)
        {
            SetPacing(false, 0, now);
            return TimeSpan.Zero;
        }

        SetPacing(true, usable, resetAt);
        if (usable <= 0)
        {
            return untilReset + EdgeSlack;
        }

        var spacing = untilReset / (usable + 1);
        var next = _lastGrant + spacing;
        return next > now ? next - now : TimeSpan.Zero;
    }

    /// <summary>Requests per second other clients of the shared key spend (an estimate; 0 when unknown).</summary>
    public double OthersPerSecond
    {
        get
        {
            lock (_lock)
            {
                return OthersRateAt(_time.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// The estimate fades (half-life <see cref="OthersRateHalfLife"/>) without fresh measurements: while it holds us
    /// back we send nothing and so learn nothing, and others often spend in bursts; a fading estimate lets a
    /// request through to measure again instead of stalling for good.
    /// </summary>
    private double OthersRateAt(DateTimeOffset now)
    {
        var age = (now - _othersMeasuredAt).TotalSeconds;
        return age <= 0 ? _othersPerSecond : _othersPerSecond * Math.Pow(0.5, age / OthersRateHalfLife.TotalSeconds);
    }

    /// <summary>
    /// Others' spending shows as Remaining falling faster than our own grants explain. Measured over at least
    /// <see cref="RateEstimateSpan"/> within one rate-limit window (short spans are dominated by in-flight
    /// overlap), smoothed so one noisy interval does not dominate; a span with no foreign spending halves it.
    /// </summary>
    private void EstimateOthers(RateLimitSample sample)
    {
        if (_rateReference is not { ResetAt: { } referenceReset } reference
            || sample.ResetAt is not { } reset
            || (reset - referenceReset).Duration() > TimeSpan.FromSeconds(2)
            || sample.Remaining > reference.Remaining)
        {
            // A new window (or the first sample): start measuring afresh, keep the estimate.
            _rateReference = sample;
            _grantsSinceReference = 0;
            return;
        }

        var span = sample.ObservedAt - reference.ObservedAt;
        if (span < RateEstimateSpan)
        {
            return;
        }

        var others = Math.Max(0, reference.Remaining - sample.Remaining - _grantsSinceReference);
        var rate = others / span.TotalSeconds;
        _othersPerSecond = (OthersRateAt(sample.ObservedAt) + rate) / 2;
        _othersMeasuredAt = sample.ObservedAt;
        _rateReference = sample;
        _grantsSinceReference = 0;
    }

    private void SetPacing(bool pacing, long usable, DateTimeOffset resetAt)
    {
        if (pacing == _pacing)
        {
            return;
        }

        _pacing = pacing;
        if (pacing)
        {
            var spread = usable > 0 ? usable : 0;
            Log.BudgetPacingStarted(_logger, _target, spread, resetAt);
        }
        else
        {
            Log.BudgetPacingEnded(_logger, _target);
        }
    }

    private void Grant(DateTimeOffset now)
    {
        _tokens = Math.Max(0, _tokens - 1);
        _granted.Enqueue(now);
        _lastGrant = now;
        _grantsSinceSample++;
        _grantsSinceReference++;
    }

    private void SignalLocked()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private async Task WaitAsync(TimeSpan delay, Task changed, CancellationToken cancellationToken)
    {
        if (delay == Timeout.InfiniteTimeSpan)
        {
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, stopDelay.Token);
        await Task.WhenAny(timer, changed).ConfigureAwait(false);
        await stopDelay.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
