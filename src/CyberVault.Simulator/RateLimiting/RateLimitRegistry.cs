using System.Security.Cryptography;
using System.Text;

namespace CyberVault.Simulator;

/// <summary>A key's rate-limit state at one instant.</summary>
/// <param name="RequestsPerMinute">The tier's per-minute limit.</param>
/// <param name="Burst">The tier's burst allowance (token-bucket capacity).</param>
/// <param name="Remaining">Requests left in the current one-minute window (what X-RateLimit-Remaining reports).</param>
/// <param name="WindowResetsAt">End of the current window (X-RateLimit-Reset as epoch seconds, rounded up).</param>
/// <param name="BurstTokens">Whole tokens in the burst bucket: the most requests that could pass right now.</param>
public sealed record RateLimitState(int RequestsPerMinute, int Burst, int Remaining, DateTimeOffset WindowResetsAt, int BurstTokens);

/// <summary>The outcome of one admission check.</summary>
internal readonly record struct RateDecision(bool Admitted, RateLimitState State, int RetryAfterSeconds);

/// <summary>
/// Per-key limits, shared by every client of the key. A request must pass both:
/// <list type="number">
/// <item>a fixed one-minute window per key that starts at the key's first request after the previous
/// window ended, admitting <c>RequestsPerMinute</c> requests;</item>
/// <item>a token bucket of capacity <c>Burst</c>, starting full and refilled continuously at
/// <c>RequestsPerMinute / 60</c> tokens per second.</item>
/// </list>
/// Rejected requests consume nothing. Tokens are kept as exact integers (1 token = 60 * 10^7 units and the
/// refill is <c>RequestsPerMinute</c> units per tick), so a Retry-After computed from them is exact:
/// retrying after it always passes (unless another client spends the budget meanwhile).
/// </summary>
public sealed class RateLimitRegistry
{
    private const long UnitsPerToken = 60 * TimeSpan.TicksPerSecond;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly Dictionary<string, KeyState> _byKey = new(StringComparer.Ordinal);
    private readonly KeyState[] _ordered;

    internal RateLimitRegistry(IEnumerable<SimulatedApiKey> keys, TimeProvider time)
    {
        _time = time;
        var ordered = new List<KeyState>();
        foreach (SimulatedApiKey key in keys)
        {
            (int rpm, int burst) = Limits(key);
            var state = new KeyState($"key-{ordered.Count + 1}", key.Tier, rpm, burst, Encoding.UTF8.GetBytes(key.Key))
            {
                TokenUnits = burst * UnitsPerToken,
                LastRefill = time.GetUtcNow(),
            };
            if (!_byKey.TryAdd(key.Key, state))
            {
                throw new ArgumentException($"API key {state.KeyId} is listed twice.", nameof(keys));
            }
            ordered.Add(state);
        }
        _ordered = [.. ordered];
    }

    /// <summary>The documented tier figures: Starter 60/15, Professional 300/50, Enterprise 1200/200.</summary>
    public static (int RequestsPerMinute, int Burst) TierLimits(SimulatedTier tier) => tier switch
    {
        SimulatedTier.Starter => (60, 15),
        SimulatedTier.Professional => (300, 50),
        SimulatedTier.Enterprise => (1200, 200),
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Custom has no fixed figures."),
    };

    /// <summary>
    /// Another integration using the same key sends <paramref name="requests"/> requests now; they spend the
    /// same budget. Returns how many were admitted.
    /// </summary>
    public int SpendAsOtherClient(string key, int requests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        KeyState state = Find(key);
        int admitted = 0;
        for (int i = 0; i < requests; i++)
        {
            if (TryAcquire(state).Admitted)
            {
                admitted++;
            }
        }
        return admitted;
    }

    /// <summary>The key's state now, without spending anything.</summary>
    public RateLimitState Peek(string key)
    {
        KeyState state = Find(key);
        lock (state)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Refresh(state, now);
            return Snapshot(state, now);
        }
    }

    /// <summary>
    /// Revokes <paramref name="key"/> (or, with <paramref name="revoked"/> false, reinstates it): a revoked key is
    /// answered 401 like an unknown one, as the API does once a key is deleted in the console.
    /// </summary>
    public void SetRevoked(string key, bool revoked = true)
    {
        KeyState state = Find(key);
        lock (state)
        {
            state.Revoked = revoked;
        }
    }

    /// <summary>Constant-time lookup of a presented bearer key; null when unknown or revoked.</summary>
    internal KeyState? Authenticate(string presented)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(presented);
        KeyState? match = null;
        foreach (KeyState state in _ordered)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, state.KeyBytes))
            {
                match = state;
            }
        }
        if (match is not null)
        {
            lock (match)
            {
                return match.Revoked ? null : match;
            }
        }
        return null;
    }

    /// <summary>
    /// Replaces any configured key (raw or URL-encoded) in <paramref name="text"/>, so a client that puts its
    /// key in a URL by mistake still never gets it into the request log.
    /// </summary>
    internal string Redact(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }
        foreach (string key in _byKey.Keys)
        {
            text = text.Replace(key, "[redacted]", StringComparison.Ordinal);
            string escaped = Uri.EscapeDataString(key);
            if (escaped != key)
            {
                text = text.Replace(escaped, "[redacted]", StringComparison.OrdinalIgnoreCase);
            }
        }
        return text;
    }

    internal RateDecision TryAcquire(KeyState state)
    {
        lock (state)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Refresh(state, now);
            bool windowOk = state.Count < state.RequestsPerMinute;
            bool bucketOk = state.TokenUnits >= UnitsPerToken;
            if (windowOk && bucketOk)
            {
                state.WindowStart ??= now;
                state.Count++;
                state.TokenUnits -= UnitsPerToken;
                return new RateDecision(true, Snapshot(state, now), 0);
            }
            // Both conditions only get better with time, so waiting for the later of the two is enough.
            long waitTicks = 0;
            if (!windowOk)
            {
                waitTicks = (state.WindowStart!.Value + Window - now).Ticks;
            }
            if (!bucketOk)
            {
                long missing = UnitsPerToken - state.TokenUnits;
                waitTicks = Math.Max(waitTicks, (missing + state.RequestsPerMinute - 1) / state.RequestsPerMinute);
            }
            int seconds = (int)Math.Max(1, (waitTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
            return new RateDecision(false, Snapshot(state, now), seconds);
        }
    }

    private static void Refresh(KeyState state, DateTimeOffset now)
    {
        // The window opens with the first admitted request after the previous one ended (see TryAcquire).
        if (state.WindowStart is { } start && now >= start + Window)
        {
            state.WindowStart = null;
            state.Count = 0;
        }
        long elapsed = Math.Max(0, (now - state.LastRefill).Ticks);
        long capacity = state.Burst * UnitsPerToken;
        long missing = capacity - state.TokenUnits;
        // Compare before multiplying so a long idle period cannot overflow.
        state.TokenUnits = elapsed >= (missing / state.RequestsPerMinute) + 1
            ? capacity
            : Math.Min(capacity, state.TokenUnits + (elapsed * state.RequestsPerMinute));
        state.LastRefill = now > state.LastRefill ? now : state.LastRefill;
    }

    private static RateLimitState Snapshot(KeyState state, DateTimeOffset now) => new(
        state.RequestsPerMinute,
        state.Burst,
        state.RequestsPerMinute - state.Count,
        (state.WindowStart ?? now) + Window,
        (int)(state.TokenUnits / UnitsPerToken));

    private KeyState Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        // The message never contains the key: it is a secret even in a simulator's exception.
        return _byKey.TryGetValue(key, out KeyState? state)
            ? state
            : throw new ArgumentException("That API key is not configured on this simulator.", nameof(key));
    }

    private static (int Rpm, int Burst) Limits(SimulatedApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(key.Key, nameof(key));
        if (key.Tier == SimulatedTier.Custom)
        {
            if (key.RequestsPerMinute is not > 0 || key.Burst is not > 0)
            {
                throw new ArgumentException("A Custom-tier key needs RequestsPerMinute and Burst, both positive.", nameof(key));
            }
            return (key.RequestsPerMinute.Value, key.Burst.Value);
        }
        if (key.RequestsPerMinute is not null || key.Burst is not null)
        {
            throw new ArgumentException($"RequestsPerMinute and Burst only apply to the Custom tier, not {key.Tier}.", nameof(key));
        }
        return TierLimits(key.Tier);
    }

    internal sealed class KeyState(string keyId, SimulatedTier tier, int requestsPerMinute, int burst, byte[] keyBytes)
    {
        /// <summary>A non-secret label ("key-1", "key-2", …) used in the request log.</summary>
        public string KeyId { get; } = keyId;
        public SimulatedTier Tier { get; } = tier;
        public int RequestsPerMinute { get; } = requestsPerMinute;
        public int Burst { get; } = burst;
        public byte[] KeyBytes { get; } = keyBytes;
        public DateTimeOffset? WindowStart { get; set; }
        public int Count { get; set; }
        public long TokenUnits { get; set; }
        public DateTimeOffset LastRefill { get; set; }
        public bool Revoked { get; set; }
    }
}
