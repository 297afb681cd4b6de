using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CyberVault.Exporter.Hosting;

/// <summary><c>/-/reload</c> as Prometheus serves it: POST or PUT, and only with <c>--web.enable-lifecycle</c>.</summary>
internal static class LifecycleEndpoints
{
    public const string ReloadPath = "/-/reload";
    public const string Trigger = "POST /-/reload";

    private const string PlainText = "text/plain; charset=utf-8";

    public static WebApplication MapLifecycleEndpoints(this WebApplication app, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(app);
        var reloader = app.Services.GetRequiredService<ConfigReloader>();
        app.MapMethods(ReloadPath, [HttpMethods.Post, HttpMethods.Put], (RequestDelegate)(async context =>
        {
            context.Response.ContentType = PlainText;
            context.Response.Headers.CacheControl = "no-store";
            if (!enabled)
            {
                // Anyone who can reach the port could otherwise make the exporter re-read its files at will.
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Lifecycle API is not enabled (start with --web.enable-lifecycle).\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            var outcome = await reloader.ReloadAsync(Trigger, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = outcome.Applied ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
            var body = outcome.Applied
                ? "configuration reloaded\n"
                : "configuration not reloaded, the running one stays in use:\n" + string.Concat(outcome.Problems.Select(p => "  " + p + "\n"));
            await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }));
        return app;
    }
}
