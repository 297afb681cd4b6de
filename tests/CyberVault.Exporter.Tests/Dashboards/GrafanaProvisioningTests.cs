using System.Text.RegularExpressions;
using CyberVault.Exporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace CyberVault.Exporter.Tests.Dashboards;

/// <summary>
/// deploy/grafana/provisioning agrees with the repository: the datasource is the type the dashboards ask for and
/// knows Prometheus' scrape interval, and the dashboard provider reads the folder the documented mount puts
/// <c>dashboards/</c> in.
/// </summary>
public sealed partial class GrafanaProvisioningTests
{
    private static readonly string DatasourcesFile = Repository.PathOf("deploy", "grafana", "provisioning", "datasources", "cybervault.yml");
    private static readonly string DashboardsFile = Repository.PathOf("deploy", "grafana", "provisioning", "dashboards", "cybervault.yml");

    [Fact]
    public void The_datasource_is_a_default_prometheus_with_a_url_and_the_scrape_interval_of_the_shipped_prometheus_config()
    {
        var datasources = Sequence(Load(DatasourcesFile), "datasources");
        Assert.Equal("1", Scalar(Load(DatasourcesFile), "apiVersion"));

        var prometheus = Assert.Single(datasources.Children.Cast<YamlMappingNode>(), d => Scalar(d, "type") == "prometheus");
        Assert.True(Uri.TryCreate(Scalar(prometheus, "url"), UriKind.Absolute, out var url) && url.Scheme is "http" or "https", "url must be an absolute http(s) URL");
        Assert.Equal("true", Scalar(prometheus, "isDefault"));

        // $__rate_interval is 4 x this value at least: a wrong one makes rate() windows hold too few samples.
        var scrapeInterval = Scalar((YamlMappingNode)Load(Repository.PathOf("deploy", "prometheus", "prometheus.yml"))["global"], "scrape_interval");
        Assert.Equal(scrapeInterval, Scalar((YamlMappingNode)prometheus["jsonData"], "timeInterval"));

        foreach (var dashboard in GrafanaDashboard.All())
        {
            Assert.Equal("prometheus", dashboard.Variable("datasource")!.Value.GetProperty("query").GetString());
        }
    }

    [Fact]
    public void The_dashboard_provider_reads_the_folder_that_the_documented_mount_fills_with_dashboards()
    {
        var root = Load(DashboardsFile);
        Assert.Equal("1", Scalar(root, "apiVersion"));
        var provider = (YamlMappingNode)Assert.Single(Sequence(root, "providers").Children);
        Assert.Equal("file", Scalar(provider, "type"));
        var path = Scalar((YamlMappingNode)provider["options"], "path");
        Assert.StartsWith("/", path, StringComparison.Ordinal);

        var mounts = Mounts(DashboardsFile).Concat(Mounts(DatasourcesFile)).ToList();
        Assert.NotEmpty(mounts);
        Assert.All(mounts, m => Assert.True(Directory.Exists(Repository.PathOf(m.Source.Split('/'))), $"the mount source {m.Source} is not a folder of the repository"));

        // The documented mount of dashboards/ lands where the provider looks, and the folder holds every dashboard.
        Assert.Contains(mounts, m => m.Source == "dashboards" && m.Destination == path);
        Assert.NotEmpty(GrafanaDashboard.FileNames);

        // The provisioning mount brings both files of this folder.
        var provisioning = Assert.Single(mounts.Where(m => m.Destination == "/etc/grafana/provisioning").Select(m => m.Source).Distinct(StringComparer.Ordinal));
        Assert.True(File.Exists(Repository.PathOf([.. provisioning.Split('/'), "datasources", "cybervault.yml"])));
        Assert.True(File.Exists(Repository.PathOf([.. provisioning.Split('/'), "dashboards", "cybervault.yml"])));
    }

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path));
        yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) => (YamlSequenceNode)node[key];

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? "" : "";

    /// <summary>The <c>-v "$PWD/source:destination[:ro]"</c> mounts the comments of a provisioning file document.</summary>
    private static IEnumerable<(string Source, string Destination)> Mounts(string path) =>
        MountComment().Matches(File.ReadAllText(path)).Select(m => (m.Groups["source"].Value, m.Groups["destination"].Value));

    [GeneratedRegex(@"-v ""\$PWD/(?<source>[^:""]+):(?<destination>/[^:""]+)(:ro)?""")]
    private static partial Regex MountComment();
}
