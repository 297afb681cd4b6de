namespace CyberVault.Exporter.Tests.EndToEnd;

/// <summary>The shipped alert rules and Alertmanager configuration working together on live data.</summary>
public sealed partial class MonitoringPipelineTests
{
    [Fact]
    public async Task While_lockdown_fires_Alertmanager_suppresses_the_threat_level_high_alert_of_the_same_target()
    {
        pipeline.Require();
        await WaitForThreatLevelAsync(pipeline.Simulator.World.ThreatLevel);

        // Level 9 fires both CyberVaultLockdown (> 7) and CyberVaultThreatLevelHigh (>= 6) for the target.
        pipeline.Simulator.World.ThreatLevel = 9;
        try
        {
            var pair = await MonitoringPipeline.EventuallyAsync(
                async () =>
                {
                    var alerts = await pipeline.AlertmanagerAlertsAsync(Ct);
                    var lockdown = alerts.FirstOrDefault(a => a.Name == "CyberVaultLockdown" && OfTarget(a));
                    var high = alerts.FirstOrDefault(a => a.Name == "CyberVaultThreatLevelHigh" && OfTarget(a));
                    // The inhibitor follows Alertmanager's alert store with a small lag: wait for its verdict.
                    return lockdown is not null && high?.State == "suppressed" ? new[] { lockdown, high } : null;
                },
                AlertTimeout,
                Ct);

            if (pair is null)
            {
                var held = string.Join('\n', (await pipeline.AlertmanagerAlertsAsync(Ct)).Select(a => $"{a.Name} {a.State} inhibitedBy=[{string.Join(',', a.InhibitedBy)}]"));
                Assert.Fail($"CyberVaultThreatLevelHigh was never suppressed by CyberVaultLockdown; Alertmanager holds:\n{held}\n{pipeline.Diagnostics()}");
            }

            var (lockdownAlert, highAlert) = (pair[0], pair[1]);
            Assert.Equal("active", lockdownAlert.State);
            Assert.Empty(lockdownAlert.InhibitedBy);
            Assert.Equal("warning", highAlert.Labels["severity"]);
            Assert.Equal("suppressed", highAlert.State);
            Assert.Equal([lockdownAlert.Fingerprint], highAlert.InhibitedBy);
        }
        finally
        {
            pipeline.Simulator.World.ThreatLevel = 2;
        }

        // Leave Alertmanager as found: both resolve once the level is back to 2.
        var gone = await MonitoringPipeline.EventuallyAsync(
            async () => (await pipeline.AlertmanagerAlertsAsync(Ct)).Any(a => a.Name is "CyberVaultLockdown" or "CyberVaultThreatLevelHigh") ? null : "resolved",
            AlertTimeout,
            Ct);
        Assert.True(gone is not null, "CyberVaultLockdown or CyberVaultThreatLevelHigh was not resolved in Alertmanager\n" + pipeline.Diagnostics());
    }

    private static bool OfTarget(AmAlert alert) =>
        alert.Labels.TryGetValue("target", out var target) && target == MonitoringPipeline.TargetName;
}
