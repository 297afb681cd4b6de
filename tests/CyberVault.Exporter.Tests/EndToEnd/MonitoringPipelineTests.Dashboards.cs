using System.Globalization;
using System.Text;
using System.Text.Json;
using CyberVault.Exporter.Tests.Dashboards;

namespace CyberVault.Exporter.Tests.EndToEnd;

/// <summary>
/// Every query of every panel of dashboards/, with its variables substituted the way Grafana does, run by the real
/// Prometheus against the real exporter: a query Prometheus refuses, or one that never returns a number, is a panel
/// that would show an error or "No data" to the first user.
/// </summary>
public sealed partial class MonitoringPipelineTests
{
    // Characters Grafana's Prometheus datasource escapes in a value put into a =~ matcher; each gets a backslash,
    // itself escaped for the PromQL string (prometheusRegularEscape).
    private const string RegexSpecials = @"\^$.|?*+()[]{}'";

    /// <summary>The dashboards' default time range (now-6h), which Grafana puts into $__range.</summary>
    private const string DashboardRange = "6h";

    [Fact]
    public async Task Every_query_of_every_dashboard_panel_returns_data_from_the_real_prometheus()
    {
        pipeline.Require();
        var queries = GrafanaDashboard.All().SelectMany(d => d.Queries).ToList();
        Assert.NotEmpty(queries);

        var failures = new Dictionary<PanelQuery, string>();
        var pending = new List<PanelQuery>(queries);
        // Rates need a few scrapes of counters that moved; keep asking until each query has data. A refused query
        // cannot get better by waiting and leaves the loop at once.
        await MonitoringPipeline.EventuallyAsync(
            async () =>
            {
                foreach (var query in pending.ToList())
                {
                    var promql = Substitute(query.Expr);
                    try
                    {
                        var samples = await pipeline.QueryAsync(promql, Ct);
                        if (samples.Any(s => double.IsFinite(s.Value)))
                        {
                            failures.Remove(query);
                            pending.Remove(query);
                        }
                        else
                        {
                            failures[query] = samples.Count == 0 ? "no data" : "only NaN or infinite values";
                        }
                    }
                    catch (PromQlException e)
                    {
                        failures[query] = "refused: " + e.Message;
                        pending.Remove(query);
                    }
                }

                return pending.Count == 0 ? "done" : null;
            },
            DataTimeout,
            Ct);

        Assert.True(
            failures.Count == 0,
            $"{failures.Count} of {queries.Count} dashboard queries failed:\n"
            + string.Join('\n', failures.Select(f => $"- {f.Key.Dashboard} / \"{f.Key.PanelTitle}\" ({f.Key.RefId}): {f.Value}\n  {Substitute(f.Key.Expr)}"))
            + "\n" + pipeline.Diagnostics());
    }

    [Fact]
    public async Task The_target_variable_query_lists_the_pipelines_target()
    {
        pipeline.Require();
        var definitions = GrafanaDashboard.All()
            .Select(d => d.Variable("target")!.Value.GetProperty("definition").GetString())
            .Distinct(StringComparer.Ordinal)
            .ToList();

        // label_values(metric, label) is Grafana's call of /api/v1/label/<label>/values?match[]=<metric>.
        Assert.Equal(["label_values(cybervault_up, target)"], definitions);
        var values = await MonitoringPipeline.EventuallyAsync(
            async () =>
            {
                var uri = new Uri(pipeline.Prometheus.BaseAddress, "api/v1/label/target/values?match[]=" + Uri.EscapeDataString("cybervault_up"));
                using var json = JsonDocument.Parse(await pipeline.Http.GetStringAsync(uri, Ct));
                var found = json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()).ToList();
                return found.Contains(MonitoringPipeline.TargetName) ? found : null;
            },
            DataTimeout,
            Ct);

        Assert.True(values is not null, "label_values(cybervault_up, target) never listed " + MonitoringPipeline.TargetName + "\n" + pipeline.Diagnostics());
    }

    /// <summary>
    /// The query as Grafana sends it with the pipeline's target selected: $target as an escaped regex,
    /// $__rate_interval by Grafana's rule max($__interval + scrape interval, 4 × scrape interval) with the step
    /// ($__interval) at its minimum, the scrape interval, and $__range as the default time range.
    /// </summary>
    private static string Substitute(string expr)
    {
        var scrape = MonitoringPipeline.Interval;
        var rateInterval = TimeSpan.FromTicks(Math.Max((scrape + scrape).Ticks, 4 * scrape.Ticks));
        var text = expr
            .Replace("${target}", RegexEscaped(MonitoringPipeline.TargetName), StringComparison.Ordinal)
            .Replace("$target", RegexEscaped(MonitoringPipeline.TargetName), StringComparison.Ordinal)
            .Replace("$__rate_interval", Seconds(rateInterval), StringComparison.Ordinal)
            .Replace("$__interval", Seconds(scrape), StringComparison.Ordinal)
            .Replace("$__range", DashboardRange, StringComparison.Ordinal);

        // A variable this method does not know would reach Prometheus as a parse error; name it instead.
        Assert.False(text.Contains('$', StringComparison.Ordinal), $"unsubstituted variable in {text}");
        return text;
    }

    private static string RegexEscaped(string value)
    {
        var escaped = new StringBuilder();
        foreach (var c in value)
        {
            if (RegexSpecials.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append(@"\\");
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
}
