using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

public class BuildInfoTests
{
    [Theory]
    [InlineData("0.1.0+d15b5c9f00", "0.1.0", "d15b5c9f00")]
    [InlineData("0.1.0", "0.1.0", "unknown")]
    [InlineData("0.1.0+", "0.1.0", "unknown")]
    [InlineData("", "unknown", "unknown")]
    [InlineData(null, "unknown", "unknown")]
    public void The_revision_is_the_informational_versions_plus_suffix_or_unknown(string? informational, string version, string revision)
    {
        var build = BuildInfo.Parse(informational, ".NET 10.0.0");

        Assert.Equal(new BuildInfo(version, revision, ".NET 10.0.0"), build);
    }

    [Fact]
    public void The_exporters_own_build_info_has_its_version_and_runtime()
    {
        var build = BuildInfo.Current;

        Assert.Equal(typeof(BuildInfo).Assembly.GetName().Version!.ToString(3), build.Version);
        Assert.StartsWith(".NET", build.Runtime, StringComparison.Ordinal);
        Assert.DoesNotContain("+", build.Revision, StringComparison.Ordinal);
    }
}
