using System.Text.RegularExpressions;
using CyberVault.Exporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace CyberVault.Exporter.Tests.Deploy;

/// <summary>One alerting rule of <c>deploy/prometheus/cybervault-alerts.yml</c>, as the file spells it.</summary>
internal sealed record AlertRule(
    string Name,
    string Expr,
    string? For,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations);

/// <summary>One <c>alert_rule_test</c> case of the promtool test file: which alert, and whether it expects any to fire.</summary>
internal sealed record AlertRuleCase(string TestName, string AlertName, string EvalTime, int ExpectedAlerts);

/// <summary>
/// One inhibit rule of the Alertmanager configuration. The shipped rules match on <c>alertname</c> only, with one
/// matcher each side (<c>alertname="X"</c> or <c>alertname=~"X|Y"</c>); anything else fails the parse here.
/// </summary>
internal sealed partial record Inhibition(string SourceMatcher, string TargetMatcher, IReadOnlyList<string> Equal)
{
    /// <summary>The alert names the source matcher selects (its alternatives, for a regex).</summary>
    public IReadOnlyList<string> Sources => Alternatives(SourceMatcher);

    /// <summary>The alert names the target matcher selects.</summary>
    public IReadOnlyList<string> Targets => Alternatives(TargetMatcher);

    /// <summary>Whether the target matcher selects <paramref name="alertName"/>, with Alertmanager's anchored regex semantics.</summary>
    public bool Inhibits(string alertName)
    {
        var m = Parse(TargetMatcher);
        return m.Groups["op"].Value == "="
            ? m.Groups["value"].Value == alertName
            : Regex.IsMatch(alertName, "^(?:" + m.Groups["value"].Value + ")$", RegexOptions.None, TimeSpan.FromSeconds(1));
    }

    private static string[] Alternatives(string matcher)
    {
        var m = Parse(matcher);
        return m.Groups["op"].Value == "=" ? [m.Groups["value"].Value] : m.Groups["value"].Value.Split('|');
    }

    private static Match Parse(string matcher)
    {
        var m = AlertNameMatcher().Match(matcher);
        Assert.True(m.Success, $"inhibit rule matcher {matcher} is not of the form alertname=\"X\" or alertname=~\"X|Y\"");
        return m;
    }

    [GeneratedRegex(@"^alertname\s*(?<op>=~|=)\s*""(?<value>[A-Za-z0-9_|]+)""$")]
    private static partial Regex AlertNameMatcher();
}

/// <summary>
/// The shipped monitoring files (rules, their promtool tests, the Alertmanager configuration), read with YamlDotNet
/// so tests can check their structure; promtool and amtool check their meaning.
/// </summary>
internal static class DeployFiles
{
    public static string RulesFile { get; } = Repository.PathOf("deploy", "prometheus", "cybervault-alerts.yml");

    public static string RulesTestFile { get; } = Repository.PathOf("deploy", "prometheus", "cybervault-alerts.test.yml");

    public static string PrometheusConfigFile { get; } = Repository.PathOf("deploy", "prometheus", "prometheus.yml");

    public static string AlertmanagerConfigFile { get; } = Repository.PathOf("deploy", "alertmanager", "alertmanager.yml");

    public const string RunbookUrlPrefix = "https://github.com/cybervault/cybervault-exporter/blob/main/docs/runbooks.md#";

    public static IReadOnlyList<AlertRule> Rules() =>
    [
        .. Seq(Load(RulesFile), "groups")
            .SelectMany(group => Seq(group, "rules"))
            .Select(rule => new AlertRule(
                Scalar(rule, "alert") ?? throw new InvalidOperationException($"{RulesFile}: a rule without 'alert' (recording rules do not belong here)"),
                Scalar(rule, "expr") ?? "",
                Scalar(rule, "for"),
                Map(rule, "labels"),
                Map(rule, "annotations"))),
    ];

    public static IReadOnlyList<AlertRuleCase> RuleTestCases() =>
    [
        .. Seq(Load(RulesTestFile), "tests")
            .SelectMany(test => Seq(test, "alert_rule_test").Select(c => new AlertRuleCase(
                Scalar(test, "name") ?? "(unnamed)",
                Scalar(c, "alertname") ?? "",
                Scalar(c, "eval_time") ?? "",
                Seq(c, "exp_alerts").Count()))),
    ];

    public static IReadOnlyList<Inhibition> Inhibitions() =>
    [
        .. Seq(Load(AlertmanagerConfigFile), "inhibit_rules").Select(rule => new Inhibition(
            Single(rule, "source_matchers"),
            Single(rule, "target_matchers"),
            [.. Seq(rule, "equal").Select(e => ((YamlScalarNode)e).Value ?? "")])),
    ];

    public static IReadOnlyList<string> PrometheusRuleFiles() =>
        [.. Seq(Load(PrometheusConfigFile), "rule_files").Select(e => ((YamlScalarNode)e).Value ?? "")];

    private static string Single(YamlNode node, string key)
    {
        var matchers = Seq(node, key).ToList();
        Assert.True(matchers.Count == 1, $"{AlertmanagerConfigFile}: expected one entry in {key}, found {matchers.Count}");
        return ((YamlScalarNode)matchers[0]).Value ?? "";
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode? Child(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Seq(YamlNode node, string key) =>
        Child(node, key) is YamlSequenceNode sequence ? sequence.Children : [];

    private static Dictionary<string, string> Map(YamlNode node, string key) =>
        Child(node, key) is YamlMappingNode map
            ? map.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => (p.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal)
            : [];
}
