using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Hosting;

/// <summary>What the program answers and returns for the one-shot flags, through the same entry point as Program.cs.</summary>
public sealed class CommandLineRunTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ExporterHost.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Version_prints_the_program_name_version_and_runtime_and_exits_0()
    {
        var (code, output, _) = await RunAsync("--version");

        Assert.Equal(0, code);
        Assert.Matches(@"^cybervault-exporter version \d+\.\d+\.\d+ \(revision [0-9a-f]+|unknown", output);
        Assert.Contains(".NET", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_on_the_shipped_example_exits_0_and_prints_each_targets_budget()
    {
        var (code, output, _) = await RunAsync("--config.check", "--config.file", Repository.PathOf("exporter.yml.example"));

        Assert.True(code == 0, output);
        Assert.Contains("production", output, StringComparison.Ordinal);
        // professional tier (300/min, burst 50) at budget_share 0.5
        Assert.Contains("150", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_on_an_invalid_file_exits_1_naming_the_key_path_and_line()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Configuration", "InvalidConfigs", "page-size-too-large.yml");

        var (code, output, _) = await RunAsync("--config.check", "--config.file", path);

        Assert.Equal(1, code);
        Assert.Matches(@"page-size-too-large\.yml:\d+:\d+: targets\[0\]\.polling\.page_size", output);
    }

    [Fact]
    public async Task Starting_with_a_missing_config_file_exits_1_with_a_message_naming_the_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"cybervault-missing-{Guid.NewGuid():N}.yml");

        var (code, _, errors) = await RunAsync("--config.file", missing);

        Assert.Equal(1, code);
        Assert.Contains(missing, errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_exits_2_and_names_the_flag()
    {
        var (code, _, errors) = await RunAsync("--web.listen-adress=:9999");

        Assert.Equal(2, code);
        Assert.Contains("--web.listen-adress", errors, StringComparison.Ordinal);
    }
}
