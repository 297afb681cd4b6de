using System.Diagnostics;
using System.Net;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Hosting;

/// <summary>POST /-/reload on the real host: targets and webhooks added and removed, bad files rejected, the metrics.</summary>
public sealed class LiveReloadTests
{
    private const string ReloadOk = "cybervault_exporter_config_last_reload_successful 1";
    private const string ReloadFailed = "cybervault_exporter_config_last_reload_successful 0";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reload_that_adds_a_target_polls_it_and_one_that_removes_a_target_drops_its_series()
    {
        await using var env = await ReloadEnvironment.StartAsync(Ct);
        await env.WriteConfigAsync(["alpha"], ct: Ct);
        await using var host = await StartAsync(env, lifecycle: true);
        await host.WaitForMetricsAsync(m => m.Contains("cybervault_up{target=\"alpha\"} 1", StringComparison.Ordinal));

        await env.WriteConfigAsync(["alpha", "beta"], ct: Ct);
        using (var reload = await host.Client.PostAsync("/-/reload", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        await host.WaitForMetricsAsync(m => m.Contains("cybervault_up{target=\"beta\"} 1", StringComparison.Ordinal));
        Assert.Contains("beta", await host.Client.GetStringAsync("/", Ct), StringComparison.Ordinal);

        await env.WriteConfigAsync(["beta"], ct: Ct);
        using (var reload = await host.Client.PostAsync("/-/reload", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        // The snapshot series go at once; the live latency histogram's at the second scrape (docs/metrics.md).
        Assert.DoesNotContain("cybervault_up{target=\"alpha\"}", await host.Client.GetStringAsync("/metrics", Ct), StringComparison.Ordinal);
        var metrics = await host.Client.GetStringAsync("/metrics", Ct);
        Assert.DoesNotContain("target=\"alpha\"", metrics, StringComparison.Ordinal);
        Assert.Contains("cybervault_up{target=\"beta\"}", metrics, StringComparison.Ordinal);
        Assert.Contains(ReloadOk, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha", await host.Client.GetStringAsync("/", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_file_is_rejected_with_its_error_and_the_running_configuration_stays()
    {
        await using var env = await ReloadEnvironment.StartAsync(Ct);
        await env.WriteConfigAsync(["alpha"], ct: Ct);
        await using var host = await StartAsync(env, lifecycle: true);
        await host.WaitForMetricsAsync(m => m.Contains("cybervault_up{target=\"alpha\"} 1", StringComparison.Ordinal));
        var loadedAt = Value(await host.Client.GetStringAsync("/metrics", Ct), "cybervault_exporter_config_last_reload_success_timestamp_seconds");

        await env.WriteConfigTextAsync("targets:\n  - name: alpha\n    tier: profesional\n", Ct);
        using var reload = await host.Client.PostAsync("/-/reload", null, Ct);
        var body = await reload.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, reload.StatusCode);
        Assert.Contains("targets[0].tier: profesional is not a tier", body, StringComparison.Ordinal);
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Message.Contains("profesional", StringComparison.Ordinal));
        var metrics = await host.Client.GetStringAsync("/metrics", Ct);
        Assert.Contains(ReloadFailed, metrics, StringComparison.Ordinal);
        Assert.Equal(loadedAt, Value(metrics, "cybervault_exporter_config_last_reload_success_timestamp_seconds"));
        var polls = Value(metrics, "cybervault_api_requests_total{target=\"alpha\",endpoint=\"status\",code=\"200\"}");
        await host.WaitForMetricsAsync(m => Value(m, "cybervault_api_requests_total{target=\"alpha\",endpoint=\"status\",code=\"200\"}") > polls);

        await env.WriteConfigAsync(["alpha"], ct: Ct);
        using var fixedReload = await host.Client.PostAsync("/-/reload", null, Ct);
        Assert.Equal(HttpStatusCode.OK, fixedReload.StatusCode);
        metrics = await host.Client.GetStringAsync("/metrics", Ct);
        Assert.Contains(ReloadOk, metrics, StringComparison.Ordinal);
        Assert.True(Value(metrics, "cybervault_exporter_config_last_reload_success_timestamp_seconds") >= loadedAt);
    }

    [Fact]
    public async Task A_reload_serves_a_webhook_it_adds_and_stops_serving_one_it_removes()
    {
        await using var env = await ReloadEnvironment.StartAsync(Ct);
        await env.WriteConfigAsync(["alpha"], ct: Ct);
        await using var host = await StartAsync(env, lifecycle: true);
        using (var before = await host.Client.PostAsync("/webhooks/alpha", new StringContent("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        await env.WriteConfigAsync(["alpha"], webhookTargets: ["alpha"], ct: Ct);
        using (var reload = await host.Client.PostAsync("/-/reload", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        // Served now: an unsigned delivery is refused by the signature check, not by routing.
        using (var unsigned = await host.Client.PostAsync("/webhooks/alpha", new StringContent("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        await env.WriteConfigAsync(["alpha"], ct: Ct);
        using (var reload = await host.Client.PostAsync("/-/reload", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        using var after = await host.Client.PostAsync("/webhooks/alpha", new StringContent("{}"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task Without_web_enable_lifecycle_a_reload_request_is_forbidden_and_GET_is_not_allowed()
    {
        await using var env = await ReloadEnvironment.StartAsync(Ct);
        await env.WriteConfigAsync(["alpha"], ct: Ct);
        await using var host = await StartAsync(env, lifecycle: false);

        using var post = await host.Client.PostAsync("/-/reload", null, Ct);
        using var get = await host.Client.GetAsync("/-/reload", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Contains("--web.enable-lifecycle", await post.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    private static async Task<Host> StartAsync(ReloadEnvironment env, bool lifecycle)
    {
        var options = new CommandLineOptions
        {
            ConfigFile = env.ConfigFile,
            ListenAddress = ListenEndpoint.Parse("127.0.0.1:0"),
            EnableLifecycle = lifecycle,
        };
        var logs = new FakeLogCollector();
        var app = ExporterHost.Build(options, ConfigLoader.Load(env.ConfigFile), services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs));
        });
        await app.StartAsync(Ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new Host(app, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) }, logs);
    }

    private static double? Value(string metrics, string series) => Webhooks.WebhookTestHost.Value(metrics, series);

    private sealed record Host(WebApplication App, HttpClient Client, FakeLogCollector Logs) : IAsyncDisposable
    {
        public async Task WaitForMetricsAsync(Func<string, bool> condition)
        {
            var clock = Stopwatch.StartNew();
            string metrics;
            do
            {
                metrics = await Client.GetStringAsync("/metrics", Ct);
                if (condition(metrics))
                {
                    return;
                }

                await Task.Delay(100, Ct);
            }
            while (clock.Elapsed < Deadline);

            Assert.Fail($"/metrics did not reach the expected state within {Deadline.TotalSeconds} s:\n{metrics}");
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
