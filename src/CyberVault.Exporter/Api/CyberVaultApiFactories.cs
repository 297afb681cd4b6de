using System.Collections.Concurrent;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CyberVault.Exporter.Api;

/// <summary>Creates the API client of a target's runtime and releases it when the target goes away.</summary>
internal interface ICyberVaultApiFactory
{
    ICyberVaultApi Create(TargetRuntime runtime);

    void Release(TargetRuntime runtime);
}

/// <summary>An observer that ignores everything (when no metrics backend registered one).</summary>
internal sealed class NullApiRequestObserver : IApiRequestObserver
{
    public void Observe(string target, string endpoint, string code, TimeSpan duration)
    {
    }
}

/// <summary>
/// Builds the handler chain directly over a primary handler of the caller's choosing: tests (a handler trusting
/// the simulator CA, or counting in-flight requests) and the benchmark.
/// </summary>
internal sealed class DirectCyberVaultApiFactory(
    Func<TargetRuntime, HttpMessageHandler> primaryHandler,
    IApiRequestObserver observer,
    TimeProvider time,
    ILoggerFactory? loggerFactory = null) : ICyberVaultApiFactory
{
    private readonly ConcurrentDictionary<TargetRuntime, HttpClient> _clients = new();

    public ICyberVaultApi Create(TargetRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var chain = CyberVaultHttp.CreateHandlerChain(runtime, observer, time, primaryHandler(runtime), loggerFactory?.CreateLogger<BudgetHandler>());
        var http = CyberVaultHttp.CreateHttpClient(chain);
        _clients[runtime] = http;
        return new CyberVaultClient(http, runtime, time);
    }

    public void Release(TargetRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (_clients.TryRemove(runtime, out var http))
        {
            http.Dispose();
        }
    }
}

/// <summary>
/// Clients from IHttpClientFactory: one named client per target runtime. Targets come and go with config reloads,
/// after the service provider is built, so the named clients are configured on demand by
/// <see cref="CyberVaultHttpClientSetup"/> from this registry instead of by AddHttpClient calls at startup. A
/// changed target gets a new name (generation suffix) because named options are cached for the process lifetime.
/// </summary>
internal sealed class CyberVaultHttpClientRegistry
{
    private readonly ConcurrentDictionary<string, TargetRuntime> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TargetRuntime, string> _names = new();
    private long _generation;

    public string Register(TargetRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var name = $"cybervault:{runtime.Name}:{Interlocked.Increment(ref _generation)}";
        _byName[name] = runtime;
        _names[runtime] = name;
        return name;
    }

    public void Unregister(TargetRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (_names.TryRemove(runtime, out var name))
        {
            _byName.TryRemove(name, out _);
        }
    }

    public bool TryGet(string name, out TargetRuntime runtime) => _byName.TryGetValue(name, out runtime!);
}

/// <summary>Configures a registered target's named client: primary handler, resilience, budget.</summary>
internal sealed class CyberVaultHttpClientSetup(
    CyberVaultHttpClientRegistry registry,
    IApiRequestObserver observer,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null || !registry.TryGet(name, out var runtime))
        {
            return;
        }

        var budgetLogger = loggerFactory.CreateLogger<BudgetHandler>();
        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            // The key handler is part of the "primary" so that it sits below the factory's logging handlers.
            builder.PrimaryHandler = new ApiKeyHandler(runtime.Key) { InnerHandler = CyberVaultHttp.CreatePrimaryHandler(runtime.Config) };
            // Outermost first: retry and total timeout, then the budget (so each retry pays for itself).
            builder.AdditionalHandlers.Add(new ResilienceHandler(CyberVaultHttp.CreateResiliencePipeline(time)));
            builder.AdditionalHandlers.Add(new BudgetHandler(runtime, observer, time, CyberVaultHttp.AttemptTimeout, budgetLogger));
        });
        // The factory's request logging must never print header values (the Authorization header).
        options.ShouldRedactHeaderValue = static _ => true;
    }

    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
}

internal sealed class HttpClientFactoryCyberVaultApiFactory(
    IHttpClientFactory httpClientFactory,
    CyberVaultHttpClientRegistry registry,
    TimeProvider time) : ICyberVaultApiFactory
{
    public ICyberVaultApi Create(TargetRuntime runtime)
    {
        var name = registry.Register(runtime);
        var http = httpClientFactory.CreateClient(name);
        // Timeouts are the pipeline's; HttpClient's 100 s default would cut legitimate budget waits.
        http.Timeout = Timeout.InfiniteTimeSpan;
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        return new CyberVaultClient(http, runtime, time);
    }

    public void Release(TargetRuntime runtime) => registry.Unregister(runtime);
}
