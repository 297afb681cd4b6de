using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Metrics.PrometheusNet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace CyberVault.Exporter.Web;

/// <summary>
/// Wires the HTTP surface: /metrics, /healthz, /readyz and the landing page. The host registers
/// <see cref="ISnapshotStore"/>; everything else has a default here that a prior registration overrides.
/// </summary>
internal static class ExporterWebExtensions
{
    public const string MetricsPath = "/metrics";
    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";

    private const string PlainText = "text/plain; charset=utf-8";

    /// <summary>Registers the web services with a fixed list of configured target names (config order).</summary>
    public static IServiceCollection AddExporterWeb(this IServiceCollection services, IReadOnlyList<string> targetNames)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IConfiguredTargets>(new ConfiguredTargets(targetNames));
        return services.AddExporterWeb();
    }

    /// <summary>
    /// Registers the web services; <see cref="IConfiguredTargets"/> and <see cref="ISnapshotStore"/> must be registered
    /// by the host. Also registers <see cref="PrometheusApiRequestObserver"/> as the <see cref="IApiRequestObserver"/>.
    /// </summary>
    public static IServiceCollection AddExporterWeb(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IExporterStatusSource>(new StaticExporterStatusSource(new ExporterStatus(BuildInfo.Current)));
        services.TryAddSingleton(_ => ExporterMetricsRegistry.Create());
        services.TryAddSingleton<PrometheusMetricsRenderer>();
        services.TryAddSingleton<PrometheusApiRequestObserver>();
        services.TryAddSingleton<IApiRequestObserver>(sp => sp.GetRequiredService<PrometheusApiRequestObserver>());
        services.TryAddSingleton<MetricsScrapeGate>();
        services.TryAddSingleton<Readiness>();
        services.TryAddSingleton<LandingPage>();
        return services;
    }

    /// <summary>Maps /metrics, /healthz, /readyz and "/"; any other path is 404.</summary>
    public static WebApplication MapExporterEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.Services;
        // Resolving the renderer registers its before-collect callback on the registry.
        var renderer = services.GetRequiredService<PrometheusMetricsRenderer>();
        var gate = services.GetRequiredService<MetricsScrapeGate>();
        var readiness = services.GetRequiredService<Readiness>();
        var landingPage = services.GetRequiredService<LandingPage>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExporterWebExtensions).FullName!);

        app.MapMetrics(
                settings =>
                {
                    settings.Registry = renderer.Registry;
                    // The text format only: it is the documented contract and what promtool checks.
                    settings.EnableOpenMetrics = false;
                },
                MetricsPath)
            .Add(endpoint => endpoint.RequestDelegate = gate.Wrap(
                endpoint.RequestDelegate ?? throw new InvalidOperationException("The /metrics endpoint has no request delegate.")));

        app.MapGet(HealthPath, (RequestDelegate)(context => WriteText(context, StatusCodes.Status200OK, "ok")));

        app.MapGet(ReadyPath, (RequestDelegate)(context =>
        {
            var notReady = readiness.TargetsNotReady();
            if (notReady.Count == 0)
            {
                return WriteText(context, StatusCodes.Status200OK, "ready\n");
            }

            Log.NotReady(logger, notReady.Count);
            var body = "not ready; targets without a successful status poll yet:\n" + string.Concat(notReady.Select(n => n + "\n"));
            return WriteText(context, StatusCodes.Status503ServiceUnavailable, body);
        }));

        app.MapGet("/", (RequestDelegate)(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.WriteAsync(landingPage.Render(), context.RequestAborted);
        }));

        // Registered by AddExporterWebhooks when the host has webhook-enabled targets; resolving it reads the secrets.
        services.GetService<Webhooks.WebhookReceivers>()?.MapEndpoints(app);

        var targetCount = services.GetRequiredService<IConfiguredTargets>().Names.Count;
        Log.EndpointsMapped(logger, targetCount);
        return app;
    }

    private static Task WriteText(HttpContext context, int statusCode, string body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = PlainText;
        // Probes poll these; a cached answer would hide a change of state.
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}
