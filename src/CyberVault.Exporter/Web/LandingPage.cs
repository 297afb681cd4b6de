using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Web;

/// <summary>
/// The HTML page at "/": version, links and each target's state and budget. Self-contained (no external assets,
/// so it works on an air-gapped host), and every value is HTML-encoded: region and status come from the API.
/// </summary>
internal sealed class LandingPage(
    IConfiguredTargets targets,
    ISnapshotStore store,
    IExporterStatusSource status,
    TimeProvider time)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public string Render()
    {
        var build = status.Current().Build;
        var now = time.GetUtcNow();
        var snapshots = store.Current().ToDictionary(s => s.Target, StringComparer.Ordinal);
        // Configured targets in config order, then any target still in the store (e.g. during a reload).
        var names = targets.Names.Concat(snapshots.Keys.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal);

        var html = new StringBuilder(4096);
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>CyberVault exporter</title>
            <style>
            body { font-family: sans-serif; margin: 2em; }
            table { border-collapse: collapse; }
            th, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: left; }
            th { background: #eee; }
            </style>
            </head>
            <body>
            <h1>CyberVault exporter</h1>

            """);
        html.Append("<p>Version ").Append(Encode(build.Version))
            .Append(", revision ").Append(Encode(build.Revision))
            .Append(", ").Append(Encode(build.Runtime)).Append("</p>\n");
        html.Append("""
            <ul>
            <li><a href="metrics">/metrics</a></li>
            <li><a href="healthz">/healthz</a></li>
            <li><a href="readyz">/readyz</a></li>
            </ul>
            <h2>Targets</h2>
            <table>
            <tr><th>Target</th><th>Up</th><th>Region</th><th>System status</th><th>Last good status poll</th><th>Threat level</th><th>Alerts sweep age</th><th>Budget (requests/min)</th><th>Budget wait (s)</th></tr>

            """);
        foreach (var name in names)
        {
            html.Append("<tr>");
            Cell(html, name);
            if (snapshots.TryGetValue(name, out var s))
            {
                Cell(html, s.Up ? "up" : "down");
                Cell(html, s.Status?.Region ?? "-");
                Cell(html, s.Status?.SystemStatus ?? "-");
                Cell(html, LastStatusPoll(s, now));
                Cell(html, s.Status is { } st ? st.ThreatLevel.ToString(Invariant) : "-");
                Cell(html, s.Alerts is { } a ? Age(now - a.CompletedAt) : "no complete sweep");
                Cell(html, s.BudgetRequestsPerMinute.ToString("0.##", Invariant));
                Cell(html, s.BudgetWaitSecondsTotal.ToString("0.#", Invariant));
            }
            else
            {
                html.Append("<td colspan=\"8\">no data yet</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string LastStatusPoll(TargetSnapshot snapshot, DateTimeOffset now) =>
        snapshot.Collectors.TryGetValue(Readiness.StatusCollector, out var c) && c.LastSuccess is { } at
            ? $"{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Invariant)} ({Age(now - at)} ago)"
            : "never";

    private static string Age(TimeSpan age)
    {
        // A clock step can put a timestamp in the future; show 0 rather than a negative age.
        var seconds = Math.Max(0, (long)age.TotalSeconds);
        return seconds < 120
            ? string.Create(Invariant, $"{seconds} s")
            : string.Create(Invariant, $"{seconds / 60} min {seconds % 60} s");
    }

    private static void Cell(StringBuilder html, string value) =>
        html.Append("<td>").Append(Encode(value)).Append("</td>");

    private static string Encode(string value) => HtmlEncoder.Default.Encode(value);
}
