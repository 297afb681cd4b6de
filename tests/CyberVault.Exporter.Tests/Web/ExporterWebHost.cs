using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Metrics;
using CyberVault.Exporter.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Web;

/// <summary>The exporter's web surface on a real Kestrel on 127.0.0.1 with an OS-assigned port.</summary>
internal sealed class ExporterWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExporterWebHost(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ExporterWebHost> StartAsync(ISnapshotStore store, IReadOnlyList<string> targets, FakeTimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<TimeProvider>(time ?? new FakeTimeProvider(SampleSnapshots.Now));
        // As the host has it: the configuration counts as loaded at start, so the reload metrics have samples.
        builder.Services.AddSingleton<IExporterStatusSource>(new StaticExporterStatusSource(
            new ExporterStatus(BuildInfo.Current, new ConfigReloadStatus(true, SampleSnapshots.Now))));
        builder.Services.AddExporterWeb(targets);
        var app = builder.Build();
        app.MapExporterEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ExporterWebHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
