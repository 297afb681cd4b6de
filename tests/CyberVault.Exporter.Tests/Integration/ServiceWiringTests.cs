using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Integration;

public class ServiceWiringTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddCyberVaultPolling_polls_through_IHttpClientFactory_and_ApplyAsync_removes_a_dropped_target()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(h.Logs)));
        services.AddSingleton<TimeProvider>(h.Time);
        services.AddSingleton<IApiRequestObserver>(h.Observer);
        services.AddCyberVaultPolling(new ExporterConfig(new WebConfig(WebConfig.DefaultListenAddress), [h.Target()]));
        await using var provider = services.BuildServiceProvider();
        var polling = provider.GetRequiredService<PollingService>();
        var store = provider.GetRequiredService<ISnapshotStore>();

        await polling.StartAsync(Ct);
        // One status poll and a two-page sweep fit in the burst: no fake time has to pass.
        await WaitForAsync(() => store.Current() is [{ Up: true, Alerts: not null }]);

        var snapshot = Assert.Single(store.Current());
        Assert.Equal(h.Simulator.World.ThreatLevel, snapshot.Status!.ThreatLevel);
        Assert.Equal(3, h.Simulator.Requests.Count(r => r.StatusCode == 200));
        Assert.Contains(h.Observer.Attempts, a => a is ("sim", "alerts", "200"));
        Assert.IsType<HttpClientFactoryCyberVaultApiFactory>(provider.GetRequiredService<ICyberVaultApiFactory>());
        Assert.DoesNotContain(h.Key, h.AllLogText(), StringComparison.Ordinal);

        await polling.ApplyAsync(new ExporterConfig(new WebConfig(WebConfig.DefaultListenAddress), []), Ct);
        Assert.Empty(store.Current());
        Assert.Empty(polling.Pollers);
        await polling.StopAsync(Ct);
    }

    [Fact]
    public async Task A_server_certificate_from_an_untrusted_CA_is_a_tls_failure_and_not_retried()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var otherCa = Path.Combine(Path.GetTempPath(), $"cv-other-ca-{Guid.NewGuid():N}.pem");
        using (var key = ECDsa.Create())
        {
            var request = new CertificateRequest("CN=Some Other CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(otherCa, ca.ExportCertificatePem());
        }

        try
        {
            var (poller, runtime) = h.Poller(h.Target() with { TlsCaFile = otherCa });

            await h.DriveAsync(poller.PollStatusOnceAsync(Ct), TimeSpan.FromMinutes(1));

            Assert.False(poller.BuildSnapshot().Up);
            Assert.Equal(1, runtime.Requests.Snapshot()[("status", "tls")]);
            Assert.Equal(0, h.Simulator.Requests.Count());
        }
        finally
        {
            File.Delete(otherCa);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            await Task.Delay(10, Ct);
        }
    }
}
