using System.Text;
using CyberVault.Exporter.Webhooks;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Webhooks;

public sealed class WebhookSecretsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cv-wh-secrets-");
    private readonly FakeLogger _logger = new();

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_secret_file_is_read_without_its_surrounding_white_space()
    {
        var file = Write("a", "s3cret\n");
        var secrets = WebhookSecrets.Load([file], TestSupport.NewTime(), _logger, "prod");

        Assert.Equal("s3cret", Encoding.UTF8.GetString(Assert.Single(secrets.Current())));
    }

    [Fact]
    public void An_empty_secret_file_is_an_error_at_start_naming_the_file()
    {
        var file = Write("empty", " \n");
        var ex = Assert.Throws<WebhookSecretsException>(() => WebhookSecrets.Load([file], TestSupport.NewTime(), _logger, "prod"));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_secret_file_is_a_warning_and_is_read_once_it_appears()
    {
        var time = TestSupport.NewTime();
        var file = Path.Combine(_dir.FullName, "later");
        var secrets = WebhookSecrets.Load([file], time, _logger, "prod");
        Assert.Empty(secrets.Current());
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Message.Contains("does not exist", StringComparison.Ordinal));

        File.WriteAllText(file, "mounted-later");
        time.Advance(WebhookSecrets.CheckInterval);

        Assert.Equal("mounted-later", Encoding.UTF8.GetString(Assert.Single(secrets.Current())));
    }

    [Fact]
    public void A_changed_secret_file_is_re_read_after_the_check_interval()
    {
        var time = TestSupport.NewTime();
        var file = Write("a", "old");
        var secrets = WebhookSecrets.Load([file], time, _logger, "prod");

        File.WriteAllText(file, "new");
        Assert.Equal("old", Encoding.UTF8.GetString(Assert.Single(secrets.Current())));
        time.Advance(WebhookSecrets.CheckInterval);

        Assert.Equal("new", Encoding.UTF8.GetString(Assert.Single(secrets.Current())));
    }

    [Fact]
    public void A_secret_file_emptied_later_keeps_the_last_good_secrets_and_logs_an_error()
    {
        var time = TestSupport.NewTime();
        var first = Write("a", "one");
        var second = Write("b", "two");
        var secrets = WebhookSecrets.Load([first, second], time, _logger, "prod");

        File.WriteAllText(second, "");
        time.Advance(WebhookSecrets.CheckInterval);

        Assert.Equal(["one", "two"], secrets.Current().Select(s => Encoding.UTF8.GetString(s)));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Error && r.Message.Contains("is empty", StringComparison.Ordinal));

        File.WriteAllText(second, "three");
        time.Advance(WebhookSecrets.CheckInterval);
        Assert.Equal(["one", "three"], secrets.Current().Select(s => Encoding.UTF8.GetString(s)));
    }

    [Fact]
    public void A_file_too_large_to_be_a_secret_is_an_error_at_start()
    {
        var file = Write("big", new string('x', WebhookSecrets.MaxFileBytes + 1));
        var ex = Assert.Throws<WebhookSecretsException>(() => WebhookSecrets.Load([file], TestSupport.NewTime(), _logger, "prod"));
        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }
}
