using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Web.Security;

internal static class WebSecurityExtensions
{
    /// <summary>Registers the web configuration loaded from <paramref name="path"/> and the watch on its files.</summary>
    public static IServiceCollection AddWebSecurity(this IServiceCollection services, string path, WebSecurityConfig initial)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => new WebSecurity(path, initial, sp.GetRequiredService<ILogger<WebSecurity>>()));
        services.AddHostedService<WebConfigWatcher>();
        return services;
    }

    /// <summary>
    /// Puts basic auth and the headers in front of everything mapped, when a web configuration is registered. Call it
    /// after <see cref="ExporterWebExtensions.MapExporterEndpoints"/>: the webhook middleware registered there answers
    /// webhook paths before this one runs, so those stay signed by HMAC rather than behind basic auth.
    /// </summary>
    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<WebSecurity>()?.UseMiddleware(app);
        return app;
    }
}
