using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Web.Security;

/// <summary>One web configuration ready to serve: the file's settings and the authenticator built from its users.</summary>
internal sealed record ActiveWebSecurity(WebSecurityConfig Config, BasicAuthenticator Authenticator)
{
    public static ActiveWebSecurity For(WebSecurityConfig config) => new(config, new BasicAuthenticator(config.Users));
}

/// <summary>
/// The <c>--web.config.file</c> in force. Kestrel asks it for the TLS options of every handshake and the middleware
/// for users and headers of every request, so a reload (file change, SIGHUP, <c>POST /-/reload</c>) takes effect on
/// the next connection or request. A file that does not load changes nothing.
/// </summary>
internal sealed class WebSecurity
{
    public const string FileChangeTrigger = "file change";

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile ActiveWebSecurity _active;
    private IReadOnlyList<string> _watched;
    private string _lastSeen;

    /// <param name="path">The file, read again on reload.</param>
    /// <param name="initial">The file as loaded at start (a start-up error when invalid, before anything listens).</param>
    public WebSecurity(string path, WebSecurityConfig initial, ILogger<WebSecurity> logger)
    {
        _path = path ?? throw new ArgumentNullException(nameof(path));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _active = ActiveWebSecurity.For(initial ?? throw new ArgumentNullException(nameof(initial)));
        _watched = _active.Config.Files;
        _lastSeen = Fingerprint(_watched);
        var description = _active.Config.Describe();
        Log.WebConfigInUse(_logger, path, description);
    }

    public ActiveWebSecurity Active => _active;

    /// <summary>Reads the file again; throws if it is invalid or asks for what only a restart can do. Changes nothing.</summary>
    /// <exception cref="ConfigException">Every problem of the new file.</exception>
    public ActiveWebSecurity Prepare()
    {
        var next = WebConfigLoader.Load(_path);
        if ((next.Tls is null) != (_active.Config.Tls is null))
        {
            // Kestrel decides HTTP or HTTPS when it binds; a scraper would otherwise silently get the other one.
            var wanted = next.Tls is null ? "turns TLS off" : "turns TLS on";
            throw new ConfigException([new ConfigError(_path, 0, 0, "tls_server_config", $"the new file {wanted}; that needs a restart of the exporter")]);
        }

        return ActiveWebSecurity.For(next);
    }

    /// <summary>Serves <paramref name="next"/> (from <see cref="Prepare"/>) from the next handshake and request on.</summary>
    public void Activate(ActiveWebSecurity next, string trigger)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_gate)
        {
            _active = next;
            _watched = next.Config.Files;
            _lastSeen = Fingerprint(_watched);
        }

        var description = next.Config.Describe();
        Log.WebConfigReloaded(_logger, _path, trigger, description);
    }

    /// <summary>
    /// For the file watch: reloads when the file, or a certificate, key or CA file it names, has changed since the last
    /// look. A rejected change is logged once, and retried only when the files change again.
    /// </summary>
    /// <returns>True when a new configuration was activated.</returns>
    public bool ReloadIfChanged()
    {
        lock (_gate)
        {
            var fingerprint = Fingerprint(_watched);
            if (fingerprint == _lastSeen)
            {
                return false;
            }

            _lastSeen = fingerprint;
            ActiveWebSecurity next;
            try
            {
                next = Prepare();
            }
            catch (ConfigException ex)
            {
                Log.WebConfigReloadRejected(_logger, FileChangeTrigger, string.Join("; ", ex.Errors));
                return false;
            }

            Activate(next, FileChangeTrigger);
            return true;
        }
    }

    /// <summary>
    /// Configures the listener: HTTPS whose options come from the configuration in force at each handshake (so a new
    /// certificate is served without a restart), or plain HTTP when the file has no <c>tls_server_config</c>.
    /// </summary>
    public void ConfigureListener(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var config = _active.Config;
        if (config.Tls is null)
        {
            // Like Go's net/http: no HTTP/2 without TLS (h2c) unless asked for; http2: false means HTTP/1.1 only.
            if (!config.Http2)
            {
                listen.Protocols = HttpProtocols.Http1;
            }

            return;
        }

        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ =>
            {
                var current = _active.Config;
                return ValueTask.FromResult(current.Tls!.ServerOptions(current.Http2));
            },
        });
    }

    /// <summary>
    /// Basic auth and the configured headers for every request that reaches it. Registered after the webhook
    /// middleware, which answers webhook paths itself: those keep their HMAC signature check instead.
    /// </summary>
    public void UseMiddleware(IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var active = _active;
            foreach (var (name, value) in active.Config.Headers)
            {
                context.Response.Headers[name] = value;
            }

            if (!active.Authenticator.Enabled)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var refusal = Refusal(context.Request, active.Authenticator);
            if (refusal is null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            Log.BasicAuthRefused(_logger, context.Request.Path.Value ?? "", refusal);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("Unauthorized\n", context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Null when the request carries valid credentials, else why not (for a debug line; no secret in it).</summary>
    private static string? Refusal(HttpRequest request, BasicAuthenticator authenticator)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return "no basic auth credentials";
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return "credentials are not base64";
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return "credentials without ':'";
        }

        return authenticator.Verify(decoded[..colon], decoded[(colon + 1)..]) ? null : "unknown user or wrong password";
    }

    /// <summary>A digest of the files' contents: a rewrite is noticed even within the file system's mtime resolution.</summary>
    private static string Fingerprint(IReadOnlyList<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            try
            {
                hash.AppendData(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Missing or unreadable counts as a state of its own; the reload then says what is wrong.
                hash.AppendData(Encoding.UTF8.GetBytes("unreadable: " + e.GetType().Name));
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
