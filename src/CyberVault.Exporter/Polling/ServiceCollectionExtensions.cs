using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CyberVault.Exporter.Polling;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// The API client stack: IHttpClientFactory named clients per target runtime (configured on demand, see
    /// <see cref="CyberVaultHttpClientRegistry"/>), resilience and budget handlers, and <see cref="ICyberVaultApiFactory"/>.
    /// Registers a no-op <see cref="IApiRequestObserver"/> unless one is registered already.
    /// </summary>
    public static IServiceCollection AddCyberVaultApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IApiRequestObserver, NullApiRequestObserver>();
        services.AddHttpClient();
        services.TryAddSingleton<CyberVaultHttpClientRegistry>();
        services.AddSingleton<IConfigureOptions<HttpClientFactoryOptions>>(sp => new CyberVaultHttpClientSetup(
            sp.GetRequiredService<CyberVaultHttpClientRegistry>(),
            sp.GetRequiredService<IApiRequestObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<ICyberVaultApiFactory, HttpClientFactoryCyberVaultApiFactory>();
        return services;
    }

    /// <summary>
    /// The API stack plus the <see cref="ISnapshotStore"/> and <see cref="PollingService"/> (a hosted service
    /// polling <paramref name="config"/>'s targets; resolve PollingService to call ApplyAsync on reload).
    /// </summary>
    public static IServiceCollection AddCyberVaultPolling(this IServiceCollection services, ExporterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddCyberVaultApi();
        services.TryAddSingleton<ISnapshotStore, SnapshotStore>();
        services.TryAddSingleton(sp => new PollingService(
            config,
            sp.GetRequiredService<ICyberVaultApiFactory>(),
            sp.GetRequiredService<ISnapshotStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<PollingService>());
        return services;
    }
}
