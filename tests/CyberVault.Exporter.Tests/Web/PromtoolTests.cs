using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Metrics;
using CyberVault.Exporter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CyberVault.Exporter.Tests.Web;

public class PromtoolTests
{
    [Fact]
    public async Task The_metrics_output_passes_promtool_check_metrics_with_no_complaints()
    {
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
        Assert.All(MetricCatalogue.All, m => Assert.True(Exposition.HasSamples(body, m), $"no samples of {m.Name}"));

        var (exitCode, output) = await ExternalTool.CheckMetricsAsync(body);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }
}
