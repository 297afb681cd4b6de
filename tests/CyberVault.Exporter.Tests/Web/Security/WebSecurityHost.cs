using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Tests.Hosting;
using CyberVault.Exporter.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Web.Security;

/// <summary>
/// The exporter built as the command line builds it (<see cref="ExporterHost.Build"/>) with a <c>--web.config.file</c>,
/// polling the simulator, on 127.0.0.1 with an OS-assigned port. The clock is fake so the file watch runs when a test
/// advances it, not on a timer of its own.
/// </summary>
internal sealed class WebSecurityHost : IAsyncDisposable
{
    private WebSecurityHost(ReloadEnvironment env, TestPki pki, WebApplication app, Uri address, FakeTimeProvider time, FakeLogCollector logs)
    {
        Environment = env;
        Pki = pki;
        App = app;
        Address = address;
        Time = time;
        Logs = logs;
    }

    public ReloadEnvironment Environment { get; }

    public TestPki Pki { get; }

    public WebApplication App { get; }

    /// <summary>https://127.0.0.1:port/ (or http:// without tls_server_config).</summary>
    public Uri Address { get; }

    public FakeTimeProvider Time { get; }

    public FakeLogCollector Logs { get; }

    public string WebConfigFile => Path.Combine(Pki.Folder, "web-config.yml");

    /// <summary>The TLS part of a web configuration using the generated server certificate (relative paths).</summary>
    public static string Tls(string extra = "") => "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n" + extra;

    public static async Task<WebSecurityHost> StartAsync(string webConfig, IEnumerable<string>? webhookTargets = null, CancellationToken ct = default)
    {
        var env = await ReloadEnvironment.StartAsync(ct);
        var pki = TestPki.Create();
        try
        {
            await env.WriteConfigAsync(["alpha"], webhookTargets, ct);
            await File.WriteAllTextAsync(Path.Combine(pki.Folder, "web-config.yml"), webConfig, ct);
            var options = new CommandLineOptions
            {
                ConfigFile = env.ConfigFile,
                ListenAddress = ListenEndpoint.Parse("127.0.0.1:0"),
                WebConfigFile = Path.Combine(pki.Folder, "web-config.yml"),
                EnableLifecycle = true,
            };
            var logs = new FakeLogCollector();
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var app = ExporterHost.Build(options, ConfigLoader.Load(env.ConfigFile), services =>
            {
                services.RemoveAll<ILoggerProvider>();
                services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs));
                services.AddSingleton<TimeProvider>(time);
            });
            await app.StartAsync(ct);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            return new WebSecurityHost(env, pki, app, address, time, logs);
        }
        catch
        {
            pki.Dispose();
            await env.DisposeAsync();
            throw;
        }
    }

    /// <summary>Rewrites the web configuration and lets the file watch look once.</summary>
    public async Task RewriteAndWatchAsync(string webConfig)
    {
        await File.WriteAllTextAsync(WebConfigFile, webConfig, TestContext.Current.CancellationToken);
        Time.Advance(WebConfigWatcher.Interval);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        Pki.Dispose();
        await Environment.DisposeAsync();
    }
}
