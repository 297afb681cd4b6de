using System.Text.RegularExpressions;
using CyberVault.Exporter.Tests.Metrics;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Deploy;

/// <summary>
/// The shipped alert rules: promtool checks and unit-tests them, and these tests keep the rules, their promtool tests,
/// the metric catalogue, docs/alerts.md and docs/runbooks.md in agreement.
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly string[] Severities = ["critical", "warning", "info"];

    private static readonly string[] PromQlKeywords = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"];

    [Fact]
    public async Task Promtool_check_rules_accepts_the_shipped_rules_with_every_lint()
    {
        var promtool = ExternalTool.Require(ExternalTool.Promtool, "prometheus");

        var (exitCode, output) = await ExternalTool.RunAsync(promtool, $"check rules --lint=all --lint-fatal \"{DeployFiles.RulesFile}\"", "");

        Assert.True(exitCode == 0, $"promtool check rules exited {exitCode}:\n{output}");
        Assert.Contains($"SUCCESS: {DeployFiles.Rules().Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_unit_tests_of_the_rules_pass()
    {
        var promtool = ExternalTool.Require(ExternalTool.Promtool, "prometheus");

        var (exitCode, output) = await ExternalTool.RunAsync(promtool, $"test rules \"{DeployFiles.RulesTestFile}\"", "");

        Assert.True(exitCode == 0, $"promtool test rules exited {exitCode}:\n{output}");
    }

    [Fact]
    public async Task The_example_Prometheus_configuration_is_valid_and_loads_the_shipped_rules()
    {
        var promtool = ExternalTool.Require(ExternalTool.Promtool, "prometheus");

        var (exitCode, output) = await ExternalTool.RunAsync(promtool, $"check config \"{DeployFiles.PrometheusConfigFile}\"", "");

        Assert.True(exitCode == 0, $"promtool check config exited {exitCode}:\n{output}");
        Assert.Equal(["cybervault-alerts.yml"], DeployFiles.PrometheusRuleFiles());
        Assert.Contains($"SUCCESS: {DeployFiles.Rules().Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_has_a_known_severity_a_summary_a_description_with_its_value_and_its_own_runbook_section()
    {
        var rules = DeployFiles.Rules();
        var anchors = RunbookAnchors();

        Assert.NotEmpty(rules);
        Assert.Equal(rules.Count, rules.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(rules, rule =>
        {
            Assert.True(rule.Labels.TryGetValue("severity", out var severity) && Severities.Contains(severity), $"{rule.Name}: severity must be one of {string.Join(", ", Severities)}");
            Assert.True(rule.Annotations.TryGetValue("summary", out var summary) && summary.Length > 0, $"{rule.Name}: no summary");
            Assert.True(rule.Annotations.TryGetValue("description", out var description) && description.Contains("{{ $value", StringComparison.Ordinal), $"{rule.Name}: the description must show {{{{ $value }}}}");
            // Target alerts name their target; exporter alerts (no target label) name the instance or job.
            var identifies = ExpressionKeepsTarget(rule) ? "$labels.target" : "$labels.";
            Assert.True(description.Contains(identifies, StringComparison.Ordinal), $"{rule.Name}: the description must name {identifies}");
            Assert.True(rule.Annotations.TryGetValue("runbook_url", out var runbook), $"{rule.Name}: no runbook_url");
            Assert.Equal(DeployFiles.RunbookUrlPrefix + rule.Name.ToLowerInvariant(), runbook);
            Assert.Contains(rule.Name.ToLowerInvariant(), anchors);
        });
    }

    [Fact]
    public void Docs_runbooks_md_has_a_section_for_each_rule_and_no_other()
    {
        var sections = File.ReadLines(Repository.PathOf("docs", "runbooks.md"))
            .Where(line => line.StartsWith("## ", StringComparison.Ordinal))
            .Select(line => line[3..].Trim());

        Assert.Equal(DeployFiles.Rules().Select(r => r.Name).Order(StringComparer.Ordinal), sections.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_metric_a_rule_reads_is_in_the_catalogue_and_every_label_it_selects_exists()
    {
        Assert.All(DeployFiles.Rules(), rule =>
        {
            var metrics = MetricNames(rule.Expr);
            Assert.True(metrics.Count > 0, $"{rule.Name}: no metric found in {rule.Expr}");
            foreach (var metric in metrics)
            {
                Assert.True(metric == "up" || ExposedSeries.ByName.ContainsKey(metric), $"{rule.Name}: {metric} is not in MetricCatalogue");
            }

            foreach (var selector in ExposedSeries.Selectors(rule.Expr))
            {
                var labels = selector.Name == "up" ? [.. ExposedSeries.ScrapeLabels] : ExposedSeries.ByName[selector.Name].Labels;
                foreach (var label in selector.Labels)
                {
                    Assert.True(labels.Contains(label), $"{rule.Name}: {selector.Name} has no label {label}");
                }
            }
        });
    }

    [Fact]
    public void Every_rule_is_unit_tested_both_firing_and_not_firing()
    {
        var rules = DeployFiles.Rules().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var cases = DeployFiles.RuleTestCases();

        // promtool passes a case for a misspelt alert name that "does not fire", so every name must be a rule.
        Assert.All(cases, c => Assert.True(rules.Contains(c.AlertName), $"test '{c.TestName}' at {c.EvalTime} names {c.AlertName}, which is no rule"));
        Assert.All(rules, rule =>
        {
            Assert.True(cases.Any(c => c.AlertName == rule && c.ExpectedAlerts > 0), $"{rule}: no promtool case where it fires");
            Assert.True(cases.Any(c => c.AlertName == rule && c.ExpectedAlerts == 0), $"{rule}: no promtool case where it does not fire");
        });
    }

    [Fact]
    public void Docs_alerts_md_lists_exactly_the_rules_with_their_severity_for_and_inhibitions()
    {
        var rows = File.ReadLines(Repository.PathOf("docs", "alerts.md"))
            .Select(line => AlertRow().Match(line))
            .Where(m => m.Success)
            .ToList();
        var rules = DeployFiles.Rules();
        var inhibitions = DeployFiles.Inhibitions();

        Assert.Equal(rules.Select(r => r.Name), rows.Select(r => r.Groups["name"].Value));
        Assert.All(rules.Zip(rows), pair =>
        {
            var (rule, row) = pair;
            Assert.Equal(rule.Labels["severity"], row.Groups["severity"].Value);
            Assert.Equal(rule.For ?? "none", row.Groups["for"].Value);
            var documented = Backticked().Matches(row.Groups["inhibitors"].Value).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
            var configured = inhibitions.Where(i => i.Inhibits(rule.Name)).SelectMany(i => i.Sources).Order(StringComparer.Ordinal);
            Assert.Equal(configured, documented);
        });
    }

    private static bool ExpressionKeepsTarget(AlertRule rule) => rule.Expr.Contains("cybervault_", StringComparison.Ordinal) && !rule.Expr.Contains("cybervault_exporter_", StringComparison.Ordinal);

    /// <summary>The metric names in a PromQL expression: identifiers that are not functions, keywords, label names or durations.</summary>
    private static HashSet<string> MetricNames(string expr)
    {
        var stripped = StringLiteral().Replace(expr, "\"\"");
        stripped = Braces().Replace(stripped, " ");
        stripped = LabelList().Replace(stripped, " ");
        stripped = RangeOrOffset().Replace(stripped, " ");
        return Identifier().Matches(stripped)
            .Where(m => !PromQlKeywords.Contains(m.Groups["id"].Value) && !m.Groups["call"].Success)
            .Select(m => m.Groups["id"].Value)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>GitHub's anchors for the headings of docs/runbooks.md: lower case, spaces to '-', other punctuation dropped.</summary>
    private static HashSet<string> RunbookAnchors() =>
        File.ReadLines(Repository.PathOf("docs", "runbooks.md"))
            .Select(line => Heading().Match(line))
            .Where(m => m.Success)
            .Select(m => AnchorPunctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^\|\s*`(?<name>CyberVault\w+)`\s*\|\s*(?<severity>[a-z]+)\s*\|\s*(?<for>[^|]+?)\s*\|.*\|(?<inhibitors>[^|]*)\|\s*$")]
    private static partial Regex AlertRow();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^#{1,6}\s+(.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex AnchorPunctuation();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelList();

    [GeneratedRegex(@"\[[^\]]*\]|\boffset\s+-?[0-9a-z]+")]
    private static partial Regex RangeOrOffset();

    [GeneratedRegex(@"(?<![\w.])(?<id>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
