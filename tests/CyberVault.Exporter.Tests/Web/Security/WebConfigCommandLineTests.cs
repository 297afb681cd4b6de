using CyberVault.Exporter.Hosting;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Web.Security;

/// <summary>--web.config.file through the program's entry point: a broken file stops the start, --config.check reads it.</summary>
public sealed class WebConfigCommandLineTests : IDisposable
{
    private readonly TestPki _pki = TestPki.Create();

    private string WebConfig => Path.Combine(_pki.Folder, "web-config.yml");

    [Fact]
    public async Task Starting_with_a_broken_web_config_exits_1_naming_the_key_path_and_line()
    {
        File.WriteAllText(WebConfig, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n");

        var (code, _, errors) = await RunAsync("--config.file", Repository.PathOf("exporter.yml.example"), "--web.config.file", WebConfig);

        Assert.Equal(1, code);
        Assert.Contains($"{WebConfig}:4:16: tls_server_config.min_version: TLS10 is not supported", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_validates_the_web_config_too()
    {
        File.WriteAllText(WebConfig, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");

        var (code, output, _) = await RunAsync("--config.check", "--config.file", Repository.PathOf("exporter.yml.example"), "--web.config.file", WebConfig);

        Assert.True(code == 0, output);
        Assert.Contains($"{WebConfig}: the web configuration is valid: TLS on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_with_a_broken_web_config_exits_1_even_when_exporter_yml_is_valid()
    {
        File.WriteAllText(WebConfig, "basic_auth_users:\n  alice: hunter2\n");

        var (code, output, _) = await RunAsync("--config.check", "--config.file", Repository.PathOf("exporter.yml.example"), "--web.config.file", WebConfig);

        Assert.Equal(1, code);
        Assert.Contains($"{WebConfig}:2:10: basic_auth_users.alice: is not a bcrypt hash", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_example_web_config_is_valid()
    {
        // Its certificate paths point at the generated ones: same file names, in this test's folder.
        var example = File.ReadAllText(Repository.PathOf("deploy", "web-config.yml.example"));
        File.WriteAllText(WebConfig, example.Replace("/etc/cybervault-exporter/tls/", "", StringComparison.Ordinal));

        var config = Exporter.Web.Security.WebConfigLoader.Load(WebConfig);

        Assert.NotNull(config.Tls);
        Assert.True(config.BasicAuthEnabled);
    }

    public void Dispose() => _pki.Dispose();

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ExporterHost.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
