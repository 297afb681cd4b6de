namespace CyberVault.Exporter.Tests.EndToEnd;

/// <summary>
/// The exporter as Prometheus and Alertmanager see it: the shipped rules and Alertmanager configuration, the real
/// servers, the exporter polling the simulator over HTTPS. The tests of this class share one pipeline and run one at a
/// time (xunit does so within a class), in any order: each leaves the simulator as it found it.
/// </summary>
public sealed partial class MonitoringPipelineTests(MonitoringPipeline pipeline) : IClassFixture<MonitoringPipeline>
{
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(45);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_scrapes_the_exporter_and_the_target_is_up()
    {
        pipeline.Require();

        var up = await MonitoringPipeline.EventuallyAsync(
            async () => (await pipeline.QueryAsync($"up{{job=\"{MonitoringPipeline.JobName}\"}} == 1", Ct)).SingleOrDefault(),
            DataTimeout,
            Ct);
        Assert.True(up is not null, "the exporter never showed as up in Prometheus\n" + pipeline.Diagnostics());

        var threat = await MonitoringPipeline.EventuallyAsync(
            async () => (await pipeline.QueryAsync($"cybervault_threat_level{{target=\"{MonitoringPipeline.TargetName}\"}}", Ct)).SingleOrDefault(),
            DataTimeout,
            Ct);
        Assert.NotNull(threat);
        Assert.Equal(pipeline.Simulator.World.ThreatLevel, threat.Value);
    }

    [Fact]
    public async Task Every_alert_rule_evaluates_without_error_against_the_live_exporter()
    {
        pipeline.Require();

        // Evaluation errors (many-to-many matches, bad label joins) only show once the rules meet real series.
        var rules = await MonitoringPipeline.EventuallyAsync(
            async () =>
            {
                var all = await pipeline.RulesAsync(Ct);
                return all.Count > 0 && all.All(r => r.Health != "unknown") ? all : null;
            },
            DataTimeout,
            Ct);

        Assert.NotNull(rules);
        Assert.All(rules, r => Assert.True(r.Health == "ok" && r.LastError.Length == 0, $"{r.Name}: health {r.Health}, {r.LastError}"));
    }

    [Fact]
    public async Task Threat_level_9_fires_the_lockdown_alert_in_Alertmanager_and_level_2_resolves_it()
    {
        pipeline.Require();
        await WaitForThreatLevelAsync(pipeline.Simulator.World.ThreatLevel);
        Assert.DoesNotContain(await pipeline.AlertmanagerAlertsAsync(Ct), a => a.Name == "CyberVaultLockdown");

        pipeline.Simulator.World.ThreatLevel = 9;
        try
        {
            var lockdown = await MonitoringPipeline.EventuallyAsync(
                async () => (await pipeline.AlertmanagerAlertsAsync(Ct)).FirstOrDefault(a => a.Name == "CyberVaultLockdown"),
                AlertTimeout,
                Ct);

            Assert.True(lockdown is not null, "Alertmanager never received CyberVaultLockdown\n" + pipeline.Diagnostics());
            Assert.Equal(MonitoringPipeline.TargetName, lockdown.Labels["target"]);
            Assert.Equal("critical", lockdown.Labels["severity"]);
            Assert.Equal("active", lockdown.State);
        }
        finally
        {
            pipeline.Simulator.World.ThreatLevel = 2;
        }

        var gone = await MonitoringPipeline.EventuallyAsync(
            async () => (await pipeline.AlertmanagerAlertsAsync(Ct)).Any(a => a.Name == "CyberVaultLockdown") ? null : "resolved",
            AlertTimeout,
            Ct);
        Assert.True(gone is not null, "CyberVaultLockdown was not resolved in Alertmanager\n" + pipeline.Diagnostics());
    }

    private async Task WaitForThreatLevelAsync(int level)
    {
        var seen = await MonitoringPipeline.EventuallyAsync(
            async () => (await pipeline.QueryAsync($"cybervault_threat_level{{target=\"{MonitoringPipeline.TargetName}\"}} == {level}", Ct)).SingleOrDefault(),
            DataTimeout,
            Ct);
        Assert.True(seen is not null, $"Prometheus never saw threat level {level}\n" + pipeline.Diagnostics());
    }
}
