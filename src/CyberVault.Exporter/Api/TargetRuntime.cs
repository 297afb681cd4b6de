using System.Collections.Immutable;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Api;

/// <summary>
/// The live pieces of one target shared by its HTTP handler chain and its poller: the budget every attempt
/// pays into, the key, and the request and failure counters of the snapshot (kept across reloads with the budget).
/// </summary>
internal sealed class TargetRuntime(
    TargetConfig config,
    RequestBudget budget,
    ApiKeyProvider key,
    Counters<(string Endpoint, string Code)> requests,
    Counters<(string Collector, string Reason)>? failures = null)
{
    public TargetConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    public RequestBudget Budget { get; } = budget ?? throw new ArgumentNullException(nameof(budget));

    public ApiKeyProvider Key { get; } = key ?? throw new ArgumentNullException(nameof(key));

    public Counters<(string Endpoint, string Code)> Requests { get; } = requests ?? throw new ArgumentNullException(nameof(requests));

    /// <summary>Failed collector runs by (collector, reason): each one a counted error, whatever its cause.</summary>
    public Counters<(string Collector, string Reason)> Failures { get; } = failures ?? new();

    public string Name => Config.Name;

    /// <summary>A runtime with a fresh budget and counters for <paramref name="config"/>.</summary>
    public static TargetRuntime Create(TargetConfig config, TimeProvider time, Microsoft.Extensions.Logging.ILogger? budgetLogger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new TargetRuntime(
            config,
            new RequestBudget(BudgetPlan.For(config), time, config.Name, budgetLogger),
            new ApiKeyProvider(config.ApiKey),
            new());
    }
}

/// <summary>Lock-free counters per key (e.g. attempts per (endpoint, code)), read into snapshots.</summary>
internal sealed class Counters<TKey>
    where TKey : notnull
{
    private ImmutableDictionary<TKey, long> _counts = ImmutableDictionary<TKey, long>.Empty;

    public void Increment(TKey key) =>
        ImmutableInterlocked.AddOrUpdate(ref _counts, key, 1, static (_, n) => n + 1);

    public ImmutableDictionary<TKey, long> Snapshot() => Volatile.Read(ref _counts);

    public long Total => Volatile.Read(ref _counts).Values.Sum();
}

/// <summary>Keys of per-request options the client sets for the handler chain.</summary>
internal static class ApiRequestOptions
{
    public const string StatusEndpoint = "status";
    public const string AlertsEndpoint = "alerts";

    public static readonly HttpRequestOptionsKey<string> Endpoint = new("cybervault.endpoint");

    public static readonly HttpRequestOptionsKey<RequestPriority> Priority = new("cybervault.priority");
}
