using System.Diagnostics;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace CyberVault.Exporter.Tests.Web;

public class PromtoolTests
{
    private const string PromtoolPath = "/usr/bin/promtool";

    [Fact]
    public async Task The_metrics_output_passes_promtool_check_metrics_with_no_complaints()
    {
        var promtool = FindPromtool();
        var full = SampleSnapshots.Full("production", systemStatus: "Under Attack", region: "eu \"west\"\n1");
        var store = new FakeSnapshotStore(
            full with { Alerts = full.Alerts! with { Counts = full.Alerts.Counts.Add(("emergency", "open"), 1) } },
            SampleSnapshots.Full("staging"),
            SampleSnapshots.NoData("lab"));
        await using var host = await ExporterWebHost.StartAsync(store, ["production", "staging", "lab"]);
        var observer = host.Services.GetRequiredService<IApiRequestObserver>();
        observer.Observe("production", "status", "200", TimeSpan.FromMilliseconds(80));
        observer.Observe("staging", "alerts", "timeout", TimeSpan.FromSeconds(30));

        var body = await host.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        // Every family of the catalogue has samples, so the lint sees all of them.
        Assert.All(MetricCatalogue.All, m => Assert.Contains("\n" + m.Name + (m.Kind == MetricKind.Histogram ? "_bucket{" : "{"), "\n" + body, StringComparison.Ordinal));

        var (exitCode, output) = await RunAsync(promtool, "check metrics", body);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }

    /// <summary>Missing promtool fails the test in CI (CI=true, where .ci/run installs it) and skips it elsewhere.</summary>
    private static string FindPromtool()
    {
        if (File.Exists(PromtoolPath))
        {
            return PromtoolPath;
        }

        var message = $"{PromtoolPath} is missing; install the Debian package 'prometheus' (.ci/run does).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return PromtoolPath;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string arguments, string stdin)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
