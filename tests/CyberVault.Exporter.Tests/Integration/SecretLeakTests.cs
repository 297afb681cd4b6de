using System.Text;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Integration;

/// <summary>
/// The whole exporter as the host builds it (IHttpClientFactory with its request logging, Kestrel, every endpoint)
/// at the most verbose log level, with a known key, through success and every fault of <see cref="FaultToleranceTests"/>:
/// the key is in no log line, no /metrics output, no landing page and no error response.
/// </summary>
public class SecretLeakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every page the exporter serves, including its errors: 404s, a wrong method, a disabled lifecycle endpoint.</summary>
    private static readonly (HttpMethod Method, string Path)[] Pages =
    [
        (HttpMethod.Get, "/metrics"),
        (HttpMethod.Get, "/"),
        (HttpMethod.Get, "/readyz"),
        (HttpMethod.Get, "/healthz"),
        (HttpMethod.Get, "/no-such-page"),
        (HttpMethod.Get, "/metrics/sim?target=sim"),
        (HttpMethod.Post, "/metrics"),
        (HttpMethod.Post, "/-/reload"),
        (HttpMethod.Post, "/webhooks/sim"),
    ];

    [Fact]
    public async Task The_key_is_in_no_log_line_metric_page_or_error_response_through_success_and_every_fault_at_trace_level()
    {
        await using var h = await SimulatorHarness.StartAsync(s => s.AlertCounts[("low", "open")] = 450);
        await using var forwarder = LoopbackForwarder.Start(h.Simulator.BaseUrl);
        var target = h.Target(new PollingConfig { MaxStaleness = TimeSpan.FromMinutes(3) }, baseUrl: forwarder.Rebase(h.Simulator.BaseUrl));
        var options = new CommandLineOptions { ListenAddress = ListenEndpoint.Parse("127.0.0.1:0"), LogLevel = LogLevel.Trace };
        var app = ExporterHost.Build(options, new ExporterConfig(new WebConfig(WebConfig.DefaultListenAddress), [target]), services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(h.Logs));
            services.AddSingleton<TimeProvider>(h.Time);
            // Below the factory's own handlers (and its header logging): fake time only moves while no request is on the wire.
            services.PostConfigureAll<HttpClientFactoryOptions>(o =>
                o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new InFlightHandler(b.PrimaryHandler, h.InFlight)));
        });
        await using (app)
        {
            await app.StartAsync(Ct);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            var served = new StringBuilder();

            await h.AdvanceAsync(TimeSpan.FromSeconds(30), step: TimeSpan.FromSeconds(1));
            await UntilUpAsync(h, app, "the start");
            var healthy = await ServeAllAsync(client, served);
            Assert.Contains("cybervault_up{target=\"sim\"} 1", healthy, StringComparison.Ordinal);
            foreach (var fault in FaultToleranceTests.Faults.Select(row => row.Data.Item1))
            {
                FaultToleranceTests.Begin(fault, h, forwarder);
                await h.AdvanceAsync(TimeSpan.FromSeconds(60), step: TimeSpan.FromSeconds(1));
                await ServeAllAsync(client, served);
                FaultToleranceTests.End(fault, h, forwarder);
                // A refused key is retried only after its backoff, which has grown to minutes by now.
                await h.AdvanceAsync(TimeSpan.FromSeconds(fault == "revoked_key" ? 330 : 90), step: TimeSpan.FromSeconds(1));
                await UntilUpAsync(h, app, fault);
                var after = await ServeAllAsync(client, served);
                Assert.True(after.Contains("cybervault_up{target=\"sim\"} 1", StringComparison.Ordinal), $"no recovery after {fault}:\n{after}");
            }

            await app.StopAsync(Ct);

            // The run was real: the key was sent and accepted, every fault left its mark, and trace lines were written.
            Assert.True(h.Simulator.Requests.Count(r => r.KeyId == "key-1" && r.StatusCode == 200) > 20);
            var metrics = healthy + served;
            foreach (var reason in new[] { "server_error", "timeout", "malformed", "network", "rate_limited", "pagination", "tls", "unauthorized" })
            {
                Assert.Matches($"cybervault_collector_failures_total\\{{target=\"sim\",collector=\"[a-z]+\",reason=\"{reason}\"\\}} [1-9]", metrics);
            }

            Assert.Contains(h.Logs.GetSnapshot(), r => r.Level == LogLevel.Trace);
            // IHttpClientFactory's header logging ran (its structured state carries header values unredacted).
            Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "RequestHeader" && r.Category!.EndsWith(".ClientHandler", StringComparison.Ordinal));
            var leaking = h.Logs.GetSnapshot().FirstOrDefault(r => r.Message.Contains(h.Key, StringComparison.Ordinal)
                || (r.StructuredState ?? []).Any(p => p.Value?.Contains(h.Key, StringComparison.Ordinal) == true));
            Assert.True(leaking is null, $"the key is in a log record of {leaking?.Category} ({leaking?.Id}) with state {string.Join(", ", (leaking?.StructuredState ?? []).Select(p => p.Key))}");
            var logs = h.AllLogText();
            Assert.DoesNotContain(h.Key, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(h.Key, served.ToString(), StringComparison.Ordinal);
            // Nor a recognisable part of it (a truncated or partly masked key).
            var secretPart = h.Key[^16..];
            Assert.DoesNotContain(secretPart, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secretPart, served.ToString(), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The first poll after start (or after a fault) may still be on the wire when the fake clock stops (the pollers
    /// start on their own, so a request can begin after the last advance step): a few more seconds, real-time bounded.
    /// </summary>
    private static async Task UntilUpAsync(SimulatorHarness h, WebApplication app, string after)
    {
        var store = app.Services.GetRequiredService<global::CyberVault.Exporter.Metrics.ISnapshotStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (store.Current() is not [{ Up: true }])
        {
            Assert.True(DateTime.UtcNow < deadline, $"not up again after {after}");
            await h.AdvanceAsync(TimeSpan.FromSeconds(1), step: TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Requests every page, appends status, headers and body of each to <paramref name="served"/>; returns the /metrics body.</summary>
    private static async Task<string> ServeAllAsync(HttpClient client, StringBuilder served)
    {
        var metrics = string.Empty;
        foreach (var (method, path) in Pages)
        {
            using var request = new HttpRequestMessage(method, path);
            using var response = await client.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            served.Append((int)response.StatusCode).Append(' ').AppendLine(path)
                .AppendLine(response.Headers.ToString()).AppendLine(response.Content.Headers.ToString()).AppendLine(body);
            if (method == HttpMethod.Get && path == "/metrics")
            {
                metrics = body;
            }
        }

        return metrics;
    }
}
