using CyberVault.Exporter.Hosting;

namespace CyberVault.Exporter.Tests.Webhooks;

public class WebhookHostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_empty_webhook_secret_file_stops_the_exporter_at_start_with_an_error_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("cv-wh-start-");
        try
        {
            var secretFile = Path.Combine(dir.FullName, "webhook-secret");
            await File.WriteAllTextAsync(secretFile, "\n", Ct);
            var configFile = Path.Combine(dir.FullName, "config.yml");
            await File.WriteAllTextAsync(configFile, $"""
                web:
                  listen_address: 127.0.0.1:0
                targets:
                  - name: production
                    base_url: https://api.cybervault.io/v2
                    api_key_file: {dir.FullName}/key
                    tier: starter
                    webhook:
                      enabled: true
                      secret_files: [{secretFile}]
                """, Ct);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var code = await ExporterHost.RunAsync([$"--config.file={configFile}"], stdout, stderr);

            Assert.Equal(1, code);
            Assert.Contains(secretFile, stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("empty", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_demo_turns_the_webhook_on_with_a_secret_file_only_the_user_can_read_and_subscribes_the_simulator()
    {
        await using var demo = await DemoEnvironment.StartAsync(TestSupport.NewTime(), Ct);
        var webhook = Assert.Single(demo.Config.Targets).Webhook;

        Assert.True(webhook.Enabled);
        var secretFile = Assert.Single(webhook.SecretFiles);
        Assert.True(new FileInfo(secretFile).Length >= 32);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
        }

        var url = demo.SubscribeExporter(["http://[::]:19999"]);
        Assert.Equal(new Uri("http://127.0.0.1:19999/webhooks/demo"), url);

        await demo.DisposeAsync();
        Assert.False(File.Exists(secretFile));
    }
}
