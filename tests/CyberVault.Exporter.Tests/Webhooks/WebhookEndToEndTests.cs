using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Tests.Integration;
using CyberVault.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CyberVault.Exporter.Tests.Webhooks;

/// <summary>
/// The whole exporter (ExporterHost.Build: Kestrel, polling, webhooks, /metrics) against the simulator over loopback,
/// the simulator delivering its real signed webhooks. Both share a FakeTimeProvider, so no sweep can run unless the
/// test advances time: a count that moves without one moved because of the webhook.
/// </summary>
public class WebhookEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_raised_critical_alert_shows_in_metrics_before_any_sweep_could_see_it_and_the_next_sweep_agrees()
    {
        await using var h = await SimulatorHarness.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cv-wh-e2e-");
        try
        {
            var secret = "whsec_e2e_" + Guid.NewGuid().ToString("N");
            var secretFile = Path.Combine(dir.FullName, "webhook-secret");
            await File.WriteAllTextAsync(secretFile, secret, Ct);
            var polling = new PollingConfig { AlertsInterval = TimeSpan.FromMinutes(10), StatusInterval = TimeSpan.FromMinutes(1), MaxStaleness = TimeSpan.FromHours(1) };
            var target = h.Target(polling) with
            {
                Webhook = new WebhookConfig { Enabled = true, Path = "/webhooks/sim", SecretFiles = [secretFile] },
            };
            var config = new ExporterConfig(new WebConfig("127.0.0.1:0"), [target]);
            await using var app = ExporterHost.Build(CommandLine.Parse(["--log.level=error"]), config, services =>
            {
                services.AddSingleton<TimeProvider>(h.Time);
                services.AddSingleton<ICyberVaultApiFactory>(h.ApiFactory());
            });
            await app.StartAsync(Ct);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            h.Simulator.Webhooks.Subscribe(new WebhookSubscription(new Uri(address, "/webhooks/sim"), secret));

            var series = "cybervault_alerts{target=\"sim\",severity=\"critical\",status=\"open\"}";
            var swept = await WaitForAsync(client, series, v => v is not null);
            Assert.Equal(h.Simulator.World.CountAlerts("critical", "open"), swept);
            var alertRequests = AlertRequests(h);

            h.Simulator.World.AddAlert("critical", "open");

            Assert.Equal(swept + 1, await WaitForAsync(client, series, v => v == swept + 1));
            Assert.Equal(alertRequests, AlertRequests(h));
            Assert.Equal(1, WebhookTestHost.Value(await client.GetStringAsync("/metrics", Ct), "cybervault_webhook_events_total{target=\"sim\",event=\"alert.created\",result=\"accepted\"}"));
            Assert.Contains(h.Simulator.Webhooks.Deliveries(), d => d.EventType == "alert.created" && d.StatusCode == 200);

            // The webhook asked for an early sweep: it runs once the minimum gap has passed, not after alerts_interval.
            var lastSweep = "cybervault_collector_last_success_timestamp_seconds{target=\"sim\",collector=\"alerts\"}";
            var sweptAt = WebhookTestHost.Value(await client.GetStringAsync("/metrics", Ct), lastSweep);
            await h.AdvanceAsync(TargetPoller.MinEarlySweepGap + TimeSpan.FromSeconds(1));
            Assert.True(await WaitForAsync(client, lastSweep, v => v > sweptAt) > sweptAt, "no sweep completed after the early-sweep request");
            Assert.True(AlertRequests(h) > alertRequests);
            var afterSweep = WebhookTestHost.Value(await client.GetStringAsync("/metrics", Ct), series);
            Assert.Equal(h.Simulator.World.CountAlerts("critical", "open"), afterSweep);
            Assert.Equal(swept + 1, afterSweep);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int AlertRequests(SimulatorHarness h) => h.Simulator.Requests.Count(r => r.Path.EndsWith("/alerts", StringComparison.Ordinal));

    private static async Task<double?> WaitForAsync(HttpClient client, string series, Func<double?, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var value = WebhookTestHost.Value(await client.GetStringAsync("/metrics", Ct), series);
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(10, Ct);
        }
    }
}
