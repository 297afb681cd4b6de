using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Polling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Webhooks;

/// <summary>
/// The webhook receivers of every target with <c>webhook.enabled</c>. Creating it reads the secret files, so an
/// empty or unreadable one stops the start with <see cref="WebhookSecretsException"/>.
/// Paths are mapped once at start; a reload that adds a webhook path needs a restart to serve it.
/// </summary>
internal sealed class WebhookReceivers : IDisposable
{
    public WebhookReceivers(ExporterConfig config, IWebhookTargets targets, TimeProvider time, ILoggerFactory loggerFactory, WebhookReceiverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger<WebhookReceiver>();
        var receivers = new List<WebhookReceiver>();
        foreach (var target in config.Targets.Where(t => t.Webhook.Enabled))
        {
            var secrets = WebhookSecrets.Load(target.Webhook.SecretFiles, time, logger, target.Name);
            receivers.Add(new WebhookReceiver(target.Name, target.Webhook, secrets, targets, time, logger, options));
            var secretCount = secrets.Current().Count;
            Log.WebhookReceiverStarted(logger, target.Name, target.Webhook.Path, secretCount);
        }

        All = receivers;
    }

    public IReadOnlyList<WebhookReceiver> All { get; }

    /// <summary>Maps POST on each receiver's path (other methods on it get 405 from routing).</summary>
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var receiver in All)
        {
            endpoints.MapPost(receiver.Path, (RequestDelegate)receiver.HandleAsync);
        }
    }

    public void Dispose()
    {
        foreach (var receiver in All)
        {
            receiver.Dispose();
        }
    }
}

internal static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Registers the receivers of <paramref name="config"/>; they apply events through the <see cref="PollingService"/>
    /// (register polling too) unless an <see cref="IWebhookTargets"/> is registered already.
    /// </summary>
    public static IServiceCollection AddExporterWebhooks(this IServiceCollection services, ExporterConfig config)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(config);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookTargets>(sp => new PollingWebhookTargets(sp.GetRequiredService<PollingService>()));
        services.TryAddSingleton(sp => new WebhookReceivers(
            config,
            sp.GetRequiredService<IWebhookTargets>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<WebhookReceiverOptions>()));
        return services;
    }
}
