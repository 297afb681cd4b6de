using System.Diagnostics;
using System.Globalization;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Metrics;
using CyberVault.Exporter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Hosting;

/// <summary>The README's run command: the exporter against the in-process simulator, end to end over loopback.</summary>
public sealed class DemoModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_mode_serves_every_metric_family_within_five_seconds_and_the_output_passes_promtool()
    {
        await using var demo = await DemoEnvironment.StartAsync(TimeProvider.System, Ct);
        var options = new CommandLineOptions { Demo = true, ListenAddress = ListenEndpoint.Parse("127.0.0.1:0") };
        await using var app = ExporterHost.Build(options, demo.Config, services => services.RemoveAll<ILoggerProvider>());
        var started = Stopwatch.StartNew();
        await app.StartAsync(Ct);
        demo.SubscribeExporter(app);
        using var client = new HttpClient { BaseAddress = Address(app), Timeout = TimeSpan.FromSeconds(10) };

        string body;
        List<string> missing;
        do
        {
            body = await client.GetStringAsync("/metrics", Ct);
            missing = MissingFamilies(body);
            if (missing.Count > 0)
            {
                await Task.Delay(100, Ct);
            }
        }
        while (missing.Count > 0 && started.Elapsed < TimeSpan.FromSeconds(5));

        Assert.True(missing.Count == 0, $"after {started.Elapsed.TotalSeconds:F1} s these families have no samples: {string.Join(", ", missing)}");
        var (exitCode, output) = await ExternalTool.CheckMetricsAsync(body);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
        Assert.Equal("ready", (await client.GetStringAsync("/readyz", Ct)).TrimEnd());
    }

    [Fact]
    public async Task Demo_mode_keeps_polling_so_the_numbers_move()
    {
        await using var demo = await DemoEnvironment.StartAsync(TimeProvider.System, Ct);
        var options = new CommandLineOptions { Demo = true, ListenAddress = ListenEndpoint.Parse("127.0.0.1:0") };
        await using var app = ExporterHost.Build(options, demo.Config, services => services.RemoveAll<ILoggerProvider>());
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = Address(app), Timeout = TimeSpan.FromSeconds(10) };

        // The demo polls status every 5 s, so two polls take 5 s; the wait allows 30 s because the rest of the suite runs
        // in parallel on a 2-core machine, and it ends as soon as the second poll is counted.
        var deadline = Stopwatch.StartNew();
        double polls;
        string exposition;
        do
        {
            await Task.Delay(250, Ct);
            exposition = await client.GetStringAsync("/metrics", Ct);
            polls = StatusPolls(exposition);
        }
        while (polls < 2 && deadline.Elapsed < TimeSpan.FromSeconds(30));

        // On failure, show what the exporter said about its target (collectors, failures, API answers, budget).
        Assert.True(polls >= 2, $"only {polls} status polls after {deadline.Elapsed.TotalSeconds:F1} s; the demo target's series:\n"
            + string.Join('\n', exposition.Split('\n').Where(l => l.StartsWith("cybervault_", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal) && !l.StartsWith("cybervault_alerts", StringComparison.Ordinal))));
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    private static List<string> MissingFamilies(string exposition)
    {
        var text = "\n" + exposition;
        return [.. MetricCatalogue.All
            .Where(m => !Exposition.HasSamples(text, m))
            .Select(m => m.Name)];
    }

    private static double StatusPolls(string exposition)
    {
        var prefix = MetricCatalogue.ApiRequests.Name + "{target=\"" + DemoEnvironment.TargetName + "\",endpoint=\"status\",code=\"200\"} ";
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }
}
