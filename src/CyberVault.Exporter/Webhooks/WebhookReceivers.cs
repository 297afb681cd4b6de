using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Polling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Webhooks;

/// <summary>
/// The webhook receivers of every target with <c>webhook.enabled</c>, by path. Creating it reads the secret files, so
/// an empty or unreadable one stops the start with <see cref="WebhookSecretsException"/>. A reload swaps the set in
/// two steps (<see cref="Prepare"/>, which can fail and changes nothing, then <see cref="Activate"/>), so a webhook
/// added, moved or removed by a reload is served, or gone, without a restart.
/// </summary>
internal sealed class WebhookReceivers : IDisposable
{
    private readonly IWebhookTargets _targets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WebhookReceiverOptions? _options;
    private volatile IReadOnlyDictionary<string, WebhookReceiver> _byPath;

    public WebhookReceivers(ExporterConfig config, IWebhookTargets targets, TimeProvider time, ILoggerFactory loggerFactory, WebhookReceiverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _targets = targets ?? throw new ArgumentNullException(nameof(targets));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = loggerFactory.CreateLogger<WebhookReceiver>();
        _options = options;
        _byPath = new Dictionary<string, WebhookReceiver>(StringComparer.OrdinalIgnoreCase);
        _byPath = Prepare(config);
    }

    /// <summary>The receivers in use now.</summary>
    public IReadOnlyList<WebhookReceiver> All => [.. _byPath.Values];

    /// <summary>
    /// The receivers <paramref name="config"/> needs: a target whose webhook config is unchanged keeps its receiver
    /// (and so its dedupe window); a new or changed one gets a new receiver, which reads its secrets now.
    /// </summary>
    /// <exception cref="WebhookSecretsException">A secret file is empty or unreadable; nothing changes.</exception>
    public IReadOnlyDictionary<string, WebhookReceiver> Prepare(ExporterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var current = _byPath.Values.ToDictionary(r => r.Target, StringComparer.Ordinal);
        var next = new Dictionary<string, WebhookReceiver>(StringComparer.OrdinalIgnoreCase);
        foreach (var target in config.Targets.Where(t => t.Webhook.Enabled))
        {
            if (current.TryGetValue(target.Name, out var kept) && TargetConfigs.SameWebhook(kept.Config, target.Webhook))
            {
                next[kept.Path] = kept;
                continue;
            }

            var secrets = WebhookSecrets.Load(target.Webhook.SecretFiles, _time, _logger, target.Name);
            next[target.Webhook.Path] = new WebhookReceiver(target.Name, target.Webhook, secrets, _targets, _time, _logger, _options);
            var secretCount = secrets.Current().Count;
            Log.WebhookReceiverStarted(_logger, target.Name, target.Webhook.Path, secretCount);
        }

        return next;
    }

    /// <summary>Serves <paramref name="receivers"/> (from <see cref="Prepare"/>) from the next request on.</summary>
    public void Activate(IReadOnlyDictionary<string, WebhookReceiver> receivers)
    {
        ArgumentNullException.ThrowIfNull(receivers);
        // Receivers that are dropped are not disposed: a delivery may still be in flight on one, and what they hold
        // (a semaphore without a wait handle, a dedupe cache) needs nothing but the garbage collector.
        _byPath = receivers;
    }

    /// <summary>
    /// Answers every request to a receiver's path: POST is handled, any other method gets 405. Other paths go on to
    /// the exporter's own endpoints. A middleware rather than routes, because routes are fixed once the app starts.
    /// </summary>
    public void MapEndpoints(IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.Length > 1 && path.EndsWith('/'))
            {
                path = path[..^1];
            }

            if (!_byPath.TryGetValue(path, out var receiver))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = HttpMethods.Post;
                return;
            }

            await receiver.HandleAsync(context).ConfigureAwait(false);
        });
    }

    public void Dispose()
    {
        foreach (var receiver in _byPath.Values)
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
