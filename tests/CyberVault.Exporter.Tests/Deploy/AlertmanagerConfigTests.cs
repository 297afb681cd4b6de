using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Deploy;

/// <summary>
/// The example <c>deploy/alertmanager/alertmanager.yml</c>: amtool validates it and resolves routes with it; the
/// inhibit rules may only name alerts the rules file defines. That inhibition really suppresses is shown end to end
/// (MonitoringPipelineTests.Alerts).
/// </summary>
public sealed class AlertmanagerConfigTests
{
    private static readonly Dictionary<string, string> ReceiverBySeverity = new(StringComparer.Ordinal)
    {
        ["critical"] = "pager",
        ["warning"] = "tickets",
        ["info"] = "null",
    };

    public static readonly TheoryData<string, string> Routes = new()
    {
        { "severity=critical", "pager" },
        { "alertname=CyberVaultLockdown severity=critical target=prod", "pager" },
        { "severity=warning", "tickets" },
        { "alertname=CyberVaultThreatLevelHigh severity=warning target=prod", "tickets" },
        { "severity=info", "null" },
        // Nothing is dropped silently: no severity, or one the routes do not know, still reaches a person.
        { "alertname=SomethingElse", "tickets" },
        { "severity=page", "tickets" },
    };

    [Fact]
    public async Task Amtool_accepts_the_example_configuration()
    {
        var amtool = ExternalTool.Require(ExternalTool.Amtool, "prometheus-alertmanager");

        var (exitCode, output) = await ExternalTool.RunAsync(amtool, $"check-config \"{DeployFiles.AlertmanagerConfigFile}\"", "");

        Assert.True(exitCode == 0, $"amtool check-config exited {exitCode}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Alerts_are_routed_by_severity(string labels, string receiver)
    {
        Assert.Equal(receiver, await RouteAsync(labels, receiver));
    }

    [Fact]
    public async Task Every_rule_reaches_the_receiver_of_its_severity()
    {
        foreach (var rule in DeployFiles.Rules())
        {
            var severity = rule.Labels["severity"];
            var labels = $"alertname={rule.Name} severity={severity} target=prod instance=127.0.0.1:9878 job=cybervault";
            Assert.Equal(ReceiverBySeverity[severity], await RouteAsync(labels, ReceiverBySeverity[severity]));
        }
    }

    [Fact]
    public void Inhibit_rules_name_only_alerts_of_the_rules_file_and_hold_per_target()
    {
        var rules = DeployFiles.Rules().ToDictionary(r => r.Name, r => r.Labels["severity"], StringComparer.Ordinal);
        var inhibitions = DeployFiles.Inhibitions();

        Assert.NotEmpty(inhibitions);
        Assert.All(inhibitions, inhibition =>
        {
            // Without `equal: [target]` a lockdown of one target would silence every other target's alerts.
            Assert.Equal(["target"], inhibition.Equal);
            Assert.All(inhibition.Sources.Concat(inhibition.Targets), name => Assert.True(rules.ContainsKey(name), $"inhibit rule names {name}, which is no rule"));
            Assert.DoesNotContain(inhibition.Targets, inhibition.Sources.Contains);
        });
        Assert.Contains(inhibitions, i => i.Sources.SequenceEqual(["CyberVaultLockdown"]) && i.Inhibits("CyberVaultThreatLevelHigh"));
    }

    /// <summary>The receiver amtool resolves for an alert with <paramref name="labels"/>; amtool itself verifies it is <paramref name="expected"/>.</summary>
    private static async Task<string> RouteAsync(string labels, string expected)
    {
        var amtool = ExternalTool.Require(ExternalTool.Amtool, "prometheus-alertmanager");
        var (exitCode, output) = await ExternalTool.RunAsync(
            amtool,
            $"config routes test --config.file=\"{DeployFiles.AlertmanagerConfigFile}\" --verify.receivers={expected} {labels}",
            "");

        // amtool warns on stderr that --config.file wins over --alertmanager.url; the receivers are the other line.
        var receivers = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("Warning:", StringComparison.Ordinal) && !l.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.True(exitCode == 0, $"amtool config routes test {labels} exited {exitCode} (expected receiver {expected}):\n{output}");
        return receivers ?? "";
    }
}
