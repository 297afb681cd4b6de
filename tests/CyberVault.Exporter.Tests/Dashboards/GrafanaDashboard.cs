using System.Text.Json;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Dashboards;

/// <summary>One query of one panel: what Grafana sends to Prometheus, before variables are substituted.</summary>
internal sealed record PanelQuery(string Dashboard, string PanelTitle, string RefId, string Expr, bool Instant)
{
    public override string ToString() => $"{Dashboard} / \"{PanelTitle}\" ({RefId}): {Expr}";
}

/// <summary>A panel of a dashboard, rows' nested panels included; <see cref="Json"/> is the panel's own object.</summary>
internal sealed record DashboardPanel(string Dashboard, JsonElement Json)
{
    public string Type => Json.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";

    public bool IsRow => Type == "row";

    public string Title => Json.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";

    public string Description => Json.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";

    /// <summary>fieldConfig.defaults.unit, or null when the panel has none.</summary>
    public string? Unit =>
        Json.TryGetProperty("fieldConfig", out var fc) && fc.TryGetProperty("defaults", out var d) && d.TryGetProperty("unit", out var u)
            ? u.GetString()
            : null;

    public IEnumerable<PanelQuery> Queries =>
        Json.TryGetProperty("targets", out var targets) && targets.ValueKind == JsonValueKind.Array
            ? targets.EnumerateArray().Select(t => new PanelQuery(
                Dashboard,
                Title,
                t.TryGetProperty("refId", out var r) ? r.GetString() ?? "" : "",
                t.TryGetProperty("expr", out var e) ? e.GetString() ?? "" : "",
                t.TryGetProperty("instant", out var i) && i.ValueKind == JsonValueKind.True))
            : [];
}

/// <summary>
/// A Grafana dashboard file of <c>dashboards/</c>, read with System.Text.Json the way the file provider reads it:
/// the whole model, the panels flattened over (collapsed) rows, and each panel's Prometheus queries.
/// </summary>
internal sealed class GrafanaDashboard
{
    private GrafanaDashboard(string fileName, JsonDocument document)
    {
        FileName = fileName;
        Root = document.RootElement.Clone();
    }

    /// <summary>The dashboard files the provisioning provider loads: every JSON file of <c>dashboards/</c>.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        [.. Directory.EnumerateFiles(Repository.PathOf("dashboards"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public string FileName { get; }

    public JsonElement Root { get; }

    public string Uid => Root.GetProperty("uid").GetString() ?? "";

    /// <summary>Every panel, with the panels of collapsed rows (nested under the row) in place after their row.</summary>
    public IReadOnlyList<DashboardPanel> Panels => [.. Flatten(Root.GetProperty("panels")).Select(p => new DashboardPanel(FileName, p))];

    public IEnumerable<PanelQuery> Queries => Panels.Where(p => !p.IsRow).SelectMany(p => p.Queries);

    /// <summary>The templating variable called <paramref name="name"/>, or null.</summary>
    public JsonElement? Variable(string name) =>
        Root.TryGetProperty("templating", out var templating) && templating.TryGetProperty("list", out var list)
            ? list.EnumerateArray().Where(v => v.GetProperty("name").GetString() == name).Select(v => (JsonElement?)v).FirstOrDefault()
            : null;

    public static GrafanaDashboard Load(string fileName)
    {
        // Grafana's loader rejects comments and trailing commas; so does the default reader.
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("dashboards", fileName)));
        return new GrafanaDashboard(fileName, document);
    }

    public static IEnumerable<GrafanaDashboard> All() => FileNames.Select(Load);

    private static IEnumerable<JsonElement> Flatten(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in Flatten(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}
