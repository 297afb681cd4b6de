using System.Diagnostics;
using System.Globalization;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using CyberVault.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CyberVault.Exporter.Benchmarks;

/// <summary>
/// Webhook-to-/metrics latency: the whole exporter (ExporterHost.Build) and the simulator on loopback, real time.
/// For each event the simulator raises an alert (which signs and delivers alert.created), and the clock runs from
/// just before the raise until a scrape of /metrics shows the event counted. Events go one at a time, so each
/// figure is one event's latency, including the simulator's delivery and the scrape itself.
/// </summary>
internal static class WebhookLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var key = "cv_bench_" + Guid.NewGuid().ToString("N");
        var secret = "whsec_bench_" + Guid.NewGuid().ToString("N");
        var options = new SimulatorOptions { TimeProvider = TimeProvider.System, HttpPort = -1, HttpsPort = 0 };
        options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Professional));
        await using var simulator = await CyberVaultSimulator.StartAsync(options);
        var dir = Directory.CreateTempSubdirectory("cv-bench-webhook-").FullName;
        try
        {
            var keyFile = Path.Combine(dir, "key");
            var caFile = Path.Combine(dir, "ca.pem");
            var secretFile = Path.Combine(dir, "webhook-secret");
            await File.WriteAllTextAsync(keyFile, key);
            await File.WriteAllTextAsync(caFile, simulator.CaCertificatePem);
            await File.WriteAllTextAsync(secretFile, secret);
            var target = new TargetConfig
            {
                Name = "bench",
                BaseUrl = simulator.BaseUrl,
                ApiKey = new ApiKeySource(keyFile, null),
                Tier = Tier.Professional,
                BudgetShare = 0.5,
                TlsCaFile = caFile,
                Polling = new PollingConfig { AlertsInterval = TimeSpan.FromMinutes(1) },
                Webhook = new WebhookConfig { Enabled = true, Path = "/webhooks/bench", SecretFiles = [secretFile] },
            };
            var config = new ExporterConfig(new WebConfig("127.0.0.1:0"), [target]);
            await using var app = ExporterHost.Build(CommandLine.Parse(["--log.level=warn"]), config);
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            simulator.Webhooks.Subscribe(new WebhookSubscription(new Uri(address, "/webhooks/bench"), secret, ["alert.created"]));
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            const string series = "cybervault_webhook_events_total{target=\"bench\",event=\"alert.created\",result=\"accepted\"}";

            // Warm-up (JIT, connection pools), not measured.
            for (var i = 1; i <= 20; i++)
            {
                simulator.World.AddAlert("critical", "open");
                await WaitForCountAsync(http, series, i, Stopwatch.StartNew());
            }

            var latencies = new List<double>(events);
            var timedOut = 0;
            for (var i = 1; i <= events; i++)
            {
                var clock = Stopwatch.StartNew();
                simulator.World.AddAlert("critical", "open");
                if (await WaitForCountAsync(http, series, 20 + i, clock))
                {
                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    timedOut++;
                }
            }

            latencies.Sort();
            Console.WriteLine(FormattableString.Invariant($"events:            {events} (alert.created, one at a time, loopback, real time)"));
            Console.WriteLine(FormattableString.Invariant($"timed out (>5 s):  {timedOut}"));
            if (latencies.Count > 0)
            {
                Console.WriteLine(FormattableString.Invariant($"latency p50:       {Stats.Percentile(latencies, 0.50):F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"latency p90:       {Stats.Percentile(latencies, 0.90):F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"latency p99:       {Stats.Percentile(latencies, 0.99):F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"latency max:       {latencies[^1]:F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"latency mean:      {latencies.Average():F2} ms"));
            }

            var failed = simulator.Webhooks.Deliveries().Count(d => !d.Succeeded);
            Console.WriteLine(FormattableString.Invariant($"failed deliveries: {failed}"));
            await app.StopAsync();
            return timedOut == 0 && failed == 0 && latencies.Count > 0 && Stats.Percentile(latencies, 0.99) < 50 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Scrapes until the series reaches <paramref name="count"/>; false after 5 s.</summary>
    private static async Task<bool> WaitForCountAsync(HttpClient http, string series, int count, Stopwatch clock)
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var text = await http.GetStringAsync("/metrics");
            var at = text.IndexOf("\n" + series + " ", StringComparison.Ordinal);
            if (at >= 0)
            {
                var start = at + series.Length + 2;
                var end = text.IndexOf('\n', start);
                if (double.Parse(text[start..end], CultureInfo.InvariantCulture) >= count)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
