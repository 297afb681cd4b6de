using System.Text.Json;
using System.Text.RegularExpressions;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Tests.Metrics;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Dashboards;

/// <summary>
/// What makes a provisioned dashboard work the first time: valid JSON in the current schema, no import-only
/// placeholders, every panel querying the datasource and target variables, and every metric name one the exporter
/// really serves. Whether each query returns data is checked against a real Prometheus in
/// EndToEnd/MonitoringPipelineTests.Dashboards.cs.
/// </summary>
public sealed partial class DashboardStructureTests
{
    private const string DatasourceRef = "${datasource}";
    private const string TargetSelector = "target=~\"$target\"";

    /// <summary>Grafana unit ids the dashboards may use (Grafana's valueFormats), plus its custom "suffix:" form.</summary>
    private static readonly HashSet<string> KnownUnits = new(StringComparer.Ordinal)
    {
        "none", "short", "s", "ms", "dtdurations", "percentunit", "reqps", "cps", "dateTimeAsIso", "dateTimeFromNow",
    };

    public static TheoryData<string> DashboardFiles => [.. GrafanaDashboard.FileNames];

    [Fact]
    public void The_repository_ships_the_overview_and_the_exporter_dashboard()
    {
        Assert.Equal(["cybervault-exporter.json", "cybervault-overview.json"], GrafanaDashboard.FileNames);
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void A_dashboard_is_provisionable_json_in_the_current_schema(string file)
    {
        var dashboard = GrafanaDashboard.Load(file);
        var root = dashboard.Root;

        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 39, "schemaVersion below 39");
        // A file provider keys dashboards by uid; an id or import placeholders (__inputs, ${DS_...}) break provisioning.
        Assert.False(root.TryGetProperty("id", out _), "a provisioned dashboard must not carry an id");
        Assert.False(root.TryGetProperty("__inputs", out _), "__inputs only works for manual import");
        Assert.DoesNotContain("${DS_", root.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), dashboard.Uid);
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("description").GetString()));
    }

    [Fact]
    public void Dashboard_uids_and_titles_are_unique()
    {
        var dashboards = GrafanaDashboard.All().ToList();

        Assert.Equal(dashboards.Count, dashboards.Select(d => d.Uid).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(dashboards.Count, dashboards.Select(d => d.Root.GetProperty("title").GetString()).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Panel_ids_are_unique_including_the_panels_of_collapsed_rows(string file)
    {
        var ids = GrafanaDashboard.Load(file).Panels.Select(p => p.Json.GetProperty("id").GetInt32()).ToList();

        Assert.NotEmpty(ids);
        Assert.Empty(ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_panel_has_a_title_a_description_a_unit_a_query_and_fits_the_grid(string file)
    {
        var problems = new List<string>();
        foreach (var panel in GrafanaDashboard.Load(file).Panels)
        {
            var grid = panel.Json.GetProperty("gridPos");
            if (grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32() > 24)
            {
                problems.Add($"\"{panel.Title}\" is wider than the 24-column grid");
            }

            if (panel.IsRow)
            {
                continue;
            }

            if (panel.Title.Length == 0 || panel.Description.Length == 0)
            {
                problems.Add($"panel {panel.Json.GetProperty("id")} needs a title and a description");
            }

            if (panel.Unit is not { } unit || !(KnownUnits.Contains(unit) || unit.StartsWith("suffix:", StringComparison.Ordinal)))
            {
                problems.Add($"\"{panel.Title}\" has unit \"{panel.Unit}\", not one of {string.Join(", ", KnownUnits)} or suffix:...");
            }

            var queries = panel.Queries.ToList();
            if (queries.Count == 0 || queries.Any(q => string.IsNullOrWhiteSpace(q.Expr)))
            {
                problems.Add($"\"{panel.Title}\" needs at least one target, each with an expr");
            }

            if (queries.Select(q => q.RefId).Distinct(StringComparer.Ordinal).Count() != queries.Count)
            {
                problems.Add($"\"{panel.Title}\" repeats a refId");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void The_datasource_variable_and_the_multi_value_target_variable_are_defined(string file)
    {
        var dashboard = GrafanaDashboard.Load(file);

        var datasource = dashboard.Variable("datasource");
        Assert.True(datasource is not null, "no datasource variable");
        Assert.Equal("datasource", datasource.Value.GetProperty("type").GetString());
        Assert.Equal("prometheus", datasource.Value.GetProperty("query").GetString());

        var target = dashboard.Variable("target");
        Assert.True(target is not null, "no target variable");
        Assert.Equal("query", target.Value.GetProperty("type").GetString());
        Assert.True(target.Value.GetProperty("multi").GetBoolean(), "target must be multi-value");
        Assert.True(target.Value.GetProperty("includeAll").GetBoolean(), "target must offer All");
        Assert.Equal("label_values(cybervault_up, target)", target.Value.GetProperty("definition").GetString());
        Assert.Equal("label_values(cybervault_up, target)", target.Value.GetProperty("query").GetProperty("query").GetString());
        Assert.Equal(DatasourceRef, target.Value.GetProperty("datasource").GetProperty("uid").GetString());
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_datasource_reference_is_the_datasource_variable(string file)
    {
        var references = new List<(string Path, JsonElement Value)>();
        CollectDatasourceReferences(GrafanaDashboard.Load(file).Root, "$", references);

        Assert.NotEmpty(references);
        var hardCoded = references
            .Where(r => !IsVariableReference(r.Value) && !IsBuiltInAnnotationSource(r.Value))
            .Select(r => $"{r.Path}: {r.Value.GetRawText()}")
            .ToList();
        Assert.True(hardCoded.Count == 0, "hard-coded datasources:\n" + string.Join('\n', hardCoded));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_panel_datasource_is_the_variable_on_the_panel_and_on_each_target(string file)
    {
        var missing = GrafanaDashboard.Load(file).Panels
            .Where(p => !p.IsRow)
            .SelectMany(p => new[] { ("panel", p.Json) }
                .Concat(p.Json.GetProperty("targets").EnumerateArray().Select(t => ("target", t)))
                .Where(x => !x.Item2.TryGetProperty("datasource", out var ds) || !IsVariableReference(ds))
                .Select(x => $"\"{p.Title}\" {x.Item1}"))
            .ToList();

        Assert.True(missing.Count == 0, "no ${datasource} on:\n" + string.Join('\n', missing));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_metric_name_in_a_query_is_a_series_the_exporter_serves(string file)
    {
        var dashboard = GrafanaDashboard.Load(file);
        var expressions = dashboard.Queries.Select(q => (Where: q.ToString(), q.Expr))
            .Append((Where: "variable target", Expr: dashboard.Variable("target")!.Value.GetProperty("definition").GetString()!));

        var unknown = expressions
            .SelectMany(e => MetricToken().Matches(e.Expr).Select(m => $"{m.Value} in {e.Where}"))
            .Where(token => !ExposedSeries.ByName.ContainsKey(token.Split(' ')[0]))
            .ToList();

        Assert.True(unknown.Count == 0, "not served by the exporter:\n" + string.Join('\n', unknown));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Selectors_match_only_labels_the_series_has_and_filter_by_the_target_variable(string file)
    {
        var problems = new List<string>();
        foreach (var query in GrafanaDashboard.Load(file).Queries)
        {
            foreach (var selector in ExposedSeries.Selectors(query.Expr))
            {
                if (!selector.Name.StartsWith("cybervault_", StringComparison.Ordinal) || !ExposedSeries.ByName.TryGetValue(selector.Name, out var series))
                {
                    continue; // reported by the metric name test
                }

                problems.AddRange(selector.Labels
                    .Where(l => !series.Labels.Contains(l))
                    .Select(l => $"{query}: {selector.Text} matches label {l}, which the series does not have"));
                if (series.Labels.Contains(MetricCatalogue.TargetLabel) && !selector.Matchers.Contains(TargetSelector, StringComparison.Ordinal))
                {
                    problems.Add($"{query}: {selector.Text} does not filter by {TargetSelector}");
                }
            }

            // Exporter-wide series carry no target label: such a query must still follow the target variable, by a
            // join on a per-target series.
            if (!query.Expr.Contains(TargetSelector, StringComparison.Ordinal))
            {
                problems.Add($"{query}: does not follow the target variable");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Range_vectors_use_grafanas_interval_variables_not_fixed_windows(string file)
    {
        var fixedWindows = GrafanaDashboard.Load(file).Queries
            .SelectMany(q => RangeWindow().Matches(q.Expr)
                .Where(m => m.Groups["window"].Value is not ("$__rate_interval" or "$__range"))
                .Select(m => $"{q}: [{m.Groups["window"].Value}]"))
            .ToList();

        Assert.True(fixedWindows.Count == 0, "use [$__rate_interval] (or [$__range] for totals):\n" + string.Join('\n', fixedWindows));
    }

    [Fact]
    public void Every_metric_the_exporter_serves_is_shown_on_a_dashboard()
    {
        var used = GrafanaDashboard.All()
            .SelectMany(d => d.Queries)
            .SelectMany(q => MetricToken().Matches(q.Expr).Select(m => m.Value))
            .Where(ExposedSeries.ByName.ContainsKey)
            .Select(name => ExposedSeries.ByName[name].Metric.Name)
            .ToHashSet(StringComparer.Ordinal);

        var unused = MetricCatalogue.All.Select(m => m.Name).Where(name => !used.Contains(name)).ToList();
        Assert.True(unused.Count == 0, "on no dashboard: " + string.Join(", ", unused));
    }

    [Fact]
    public void Docs_dashboards_md_describes_exactly_the_panels_and_rows_of_the_dashboards()
    {
        var docs = File.ReadAllLines(Repository.PathOf("docs", "dashboards.md"));
        var documentedPanels = DocumentedPanelTitles(docs);
        var documentedRows = docs.Where(l => l.StartsWith("### ", StringComparison.Ordinal)).Select(l => l[4..].Trim()).ToHashSet(StringComparer.Ordinal);
        var panels = GrafanaDashboard.All().SelectMany(d => d.Panels).ToList();

        var problems = panels
            .Where(p => p.IsRow ? !documentedRows.Contains(p.Title) : !documentedPanels.Contains(p.Title))
            .Select(p => $"{p.Dashboard}: {(p.IsRow ? "row" : "panel")} \"{p.Title}\" is not described in docs/dashboards.md")
            .Concat(documentedPanels
                .Where(t => !panels.Any(p => !p.IsRow && p.Title == t))
                .Select(t => $"docs/dashboards.md describes \"{t}\", which no dashboard has"))
            .ToList();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        foreach (var file in GrafanaDashboard.FileNames)
        {
            Assert.Contains(docs, l => l.Contains($"`dashboards/{file}`", StringComparison.Ordinal));
        }
    }

    private static void CollectDatasourceReferences(JsonElement element, string path, List<(string, JsonElement)> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = $"{path}.{property.Name}";
                    if (property.Name == "datasource")
                    {
                        found.Add((childPath, property.Value));
                    }
                    else
                    {
                        CollectDatasourceReferences(property.Value, childPath, found);
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CollectDatasourceReferences(item, $"{path}[{i++}]", found);
                }

                break;
            default:
                break;
        }
    }

    private static bool IsVariableReference(JsonElement datasource) => datasource.ValueKind switch
    {
        JsonValueKind.String => datasource.GetString() is DatasourceRef or "$datasource",
        JsonValueKind.Object => datasource.TryGetProperty("uid", out var uid) && uid.GetString() is DatasourceRef or "$datasource",
        _ => false,
    };

    // Grafana's own annotation source ("Annotations & Alerts") is not a datasource a user has to provide.
    private static bool IsBuiltInAnnotationSource(JsonElement datasource) =>
        datasource.ValueKind == JsonValueKind.Object
        && datasource.TryGetProperty("type", out var type) && type.GetString() == "grafana"
        && datasource.TryGetProperty("uid", out var uid) && uid.GetString() == "-- Grafana --";

    [GeneratedRegex(@"\bcybervault_[a-z0-9_]*[a-z0-9]")]
    private static partial Regex MetricToken();

    [GeneratedRegex(@"\[(?<window>[^\]]+)\]")]
    private static partial Regex RangeWindow();

    /// <summary>The first cells of the tables of docs/dashboards.md whose header is <c>| panel | what it shows | query |</c>.</summary>
    private static List<string> DocumentedPanelTitles(IEnumerable<string> lines)
    {
        var titles = new List<string>();
        var inPanelTable = false;
        foreach (var line in lines)
        {
            var cells = line.Split('|');
            if (!line.StartsWith('|') || cells.Length < 3)
            {
                inPanelTable = false;
            }
            else if (cells[1].Trim() == "panel")
            {
                inPanelTable = true;
            }
            else if (inPanelTable && !cells[1].Trim().StartsWith("---", StringComparison.Ordinal))
            {
                titles.Add(cells[1].Trim());
            }
        }

        return titles;
    }
}
