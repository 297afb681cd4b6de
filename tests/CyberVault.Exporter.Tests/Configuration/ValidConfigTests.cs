using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Tests.Support;

namespace CyberVault.Exporter.Tests.Configuration;

public sealed class ValidConfigTests : IDisposable
{
    private const string Minimal = """
        targets:
          - name: production
            base_url: https://api.cybervault.io/v2
            tier: starter
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("cv-config-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void A_minimal_target_gets_every_documented_default()
    {
        var config = ConfigLoader.Parse(Minimal, "min.yml");

        Assert.Equal(":9878", config.Web.ListenAddress);
        var target = Assert.Single(config.Targets);
        Assert.Equal("production", target.Name);
        Assert.Equal(new Uri("https://api.cybervault.io/v2"), target.BaseUrl);
        Assert.Equal(new ApiKeySource(null, "CYBERVAULT_API_KEY"), target.ApiKey);
        Assert.Equal(Tier.Starter, target.Tier);
        Assert.Equal(1.0, target.BudgetShare);
        Assert.Null(target.TlsCaFile);
        Assert.False(target.AllowInsecureHttp);
        Assert.Equal(TimeSpan.FromSeconds(15), target.Polling.StatusInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), target.Polling.AlertsInterval);
        Assert.Equal(["open", "investigating"], target.Polling.AlertStatuses);
        Assert.Equal(200, target.Polling.PageSize);
        Assert.Equal(1000, target.Polling.MaxPages);
        Assert.Equal(TimeSpan.FromMinutes(10), target.Polling.MaxStaleness);
        Assert.False(target.Webhook.Enabled);
        Assert.Equal("/webhooks/production", target.Webhook.Path);
        Assert.Empty(target.Webhook.SecretFiles);
        Assert.Equal(262144, target.Webhook.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromMinutes(10), target.Webhook.DedupeWindow);
    }

    [Fact]
    public void Loading_the_same_text_twice_gives_equal_configs_so_a_reload_can_spot_changes()
    {
        const string yaml = Minimal + "\n    polling: {alert_statuses: [open, resolved]}\n    webhook: {enabled: true, secret_files: [/s/a, /s/b]}\n";

        var first = ConfigLoader.Parse(yaml, "a.yml");
        var second = ConfigLoader.Parse(yaml, "a.yml");
        var changed = ConfigLoader.Parse(yaml.Replace("/s/b", "/s/c", StringComparison.Ordinal), "a.yml");

        Assert.Equal(first, second);
        Assert.Equal(first.Targets[0], second.Targets[0]);
        Assert.NotEqual(first.Targets[0], changed.Targets[0]);
    }

    [Theory]
    [InlineData("https://api.cybervault.io/v2/", "https://api.cybervault.io/v2")]
    [InlineData("https://api.cybervault.io/v2///", "https://api.cybervault.io/v2")]
    [InlineData("https://API.CyberVault.io:8443/v2", "https://api.cybervault.io:8443/v2")]
    [InlineData("https://eu.api.cybervault.io/", "https://eu.api.cybervault.io/")]
    public void A_trailing_slash_is_trimmed_from_the_base_url(string given, string expected)
    {
        var config = ConfigLoader.Parse(Minimal.Replace("https://api.cybervault.io/v2", given, StringComparison.Ordinal), "x.yml");

        Assert.Equal(expected, config.Targets[0].BaseUrl.ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v2")]
    [InlineData("http://localhost:8080/v2")]
    [InlineData("http://[::1]:8080/v2")]
    public void Plain_http_is_allowed_for_loopback_development_when_asked_for(string url)
    {
        var yaml = Minimal.Replace("https://api.cybervault.io/v2", url, StringComparison.Ordinal) + "\n    allow_insecure_http: true\n";

        var target = ConfigLoader.Parse(yaml, "x.yml").Targets[0];

        Assert.True(target.AllowInsecureHttp);
        Assert.Equal("http", target.BaseUrl.Scheme);
    }

    [Fact]
    public void Every_key_at_its_bounds_is_accepted()
    {
        const string yaml = """
            web:
              listen_address: "[::1]:0"
            targets:
              - name: a-very_long-name-0123456789-0123456789-0123456789-0123456789-xyz
                base_url: https://api.cybervault.io/v2
                api_key_env: _MY_KEY_1
                tier: enterprise
                budget_share: 1
                allow_insecure_http: True
                polling:
                  status_interval: 1s
                  alerts_interval: 5s
                  alert_statuses: [open, investigating, resolved, dismissed]
                  page_size: 1
                  max_pages: 100000
                  max_staleness: 1s
                webhook:
                  enabled: true
                  path: /hooks/a.b~c_d-e
                  secret_files: [secret]
                  max_body_bytes: 10485760
                  dedupe_window: 1d
              - name: b
                base_url: https://api.cybervault.io/v2
                tier: professional
                budget_share: 0.001
                polling:
                  status_interval: 1d
                  alerts_interval: 24h
                  page_size: 200
                  max_pages: 1
                  max_staleness: 7d
                webhook:
                  max_body_bytes: 1
                  dedupe_window: 1s
            """;

        var config = ConfigLoader.Parse(yaml, "x.yml", directory);

        Assert.Equal(64, config.Targets[0].Name.Length);
        Assert.Equal(new ApiKeySource(null, "_MY_KEY_1"), config.Targets[0].ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Targets[0].Polling.MaxStaleness);
        Assert.Equal([Path.Combine(directory, "secret")], config.Targets[0].Webhook.SecretFiles);
        Assert.Equal(0.001, config.Targets[1].BudgetShare);
        Assert.Equal(TimeSpan.FromDays(7), config.Targets[1].Polling.MaxStaleness);
        Assert.Equal("/webhooks/b", config.Targets[1].Webhook.Path);
        Assert.Equal(1, config.Targets[1].Webhook.MaxBodyBytes);
    }

    [Fact]
    public void Empty_sections_mean_their_defaults()
    {
        var config = ConfigLoader.Parse("web:\n" + Minimal + "\n    polling:\n    tls:\n    webhook:\n", "x.yml");

        Assert.Equal(WebConfig.DefaultListenAddress, config.Web.ListenAddress);
        Assert.Equal(new PollingConfig().StatusInterval, config.Targets[0].Polling.StatusInterval);
        Assert.Null(config.Targets[0].TlsCaFile);
        Assert.False(config.Targets[0].Webhook.Enabled);
    }

    [Fact]
    public void Relative_file_paths_are_resolved_against_the_config_files_folder()
    {
        var path = Path.Combine(directory, "exporter.yml");
        File.WriteAllText(path, Minimal + "\n    api_key_file: secrets/key\n    webhook: {enabled: true, secret_files: [../hook]}\n");

        var target = ConfigLoader.Load(path).Targets[0];

        Assert.Equal(Path.Combine(directory, "secrets", "key"), target.ApiKey.File);
        Assert.Equal([Path.GetFullPath(Path.Combine(directory, "..", "hook"))], target.Webhook.SecretFiles);
    }

    [Fact]
    public void A_ca_file_with_a_pem_certificate_is_accepted()
    {
        using var key = ECDsa.Create();
        using var certificate = new CertificateRequest("CN=corp-ca", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "ca.pem"), certificate.ExportCertificatePem());
        var path = Path.Combine(directory, "exporter.yml");
        File.WriteAllText(path, Minimal + "\n    tls:\n      ca_file: ca.pem\n");

        var target = ConfigLoader.Load(path).Targets[0];

        Assert.Equal(Path.Combine(directory, "ca.pem"), target.TlsCaFile);
    }

    [Fact]
    public void A_ca_file_holding_only_a_private_key_is_refused()
    {
        using var key = ECDsa.Create();
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        var path = Path.Combine(directory, "exporter.yml");
        File.WriteAllText(path, Minimal + "\n    tls:\n      ca_file: key.pem\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        Assert.Contains("targets[0].tls.ca_file: key.pem contains no PEM certificate", Assert.Single(error.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_targets_each_get_their_own_default_webhook_path()
    {
        var yaml = Minimal + "\n  - name: staging\n    base_url: https://api.cybervault.io/v2\n    tier: professional\n";

        var config = ConfigLoader.Parse(yaml, "x.yml");

        Assert.Equal(["/webhooks/production", "/webhooks/staging"], config.Targets.Select(t => t.Webhook.Path));
    }

    [Fact]
    public void An_explicit_path_may_not_take_another_targets_default_path()
    {
        var yaml = Minimal + "\n    webhook: {path: /webhooks/staging}\n  - name: staging\n    base_url: https://api.cybervault.io/v2\n    tier: professional\n";

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "x.yml"));

        Assert.Contains("targets[1].webhook.path: /webhooks/staging is already the webhook path of targets[0]", Assert.Single(error.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_file_loads_with_the_issues_values()
    {
        var config = ConfigLoader.Load(Path.Combine(Repository.Root, "exporter.yml.example"));

        Assert.Equal(":9878", config.Web.ListenAddress);
        var target = Assert.Single(config.Targets);
        Assert.Equal("production", target.Name);
        Assert.Equal(new Uri("https://api.cybervault.io/v2"), target.BaseUrl);
        Assert.Equal("/run/secrets/cybervault", target.ApiKey.File);
        Assert.Equal(Tier.Professional, target.Tier);
        Assert.Equal(0.5, target.BudgetShare);
        Assert.False(target.AllowInsecureHttp);
        Assert.Equal(TimeSpan.FromSeconds(15), target.Polling.StatusInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), target.Polling.AlertsInterval);
        Assert.Equal(["open", "investigating"], target.Polling.AlertStatuses);
        Assert.Equal(200, target.Polling.PageSize);
        Assert.Equal(1000, target.Polling.MaxPages);
        Assert.Equal(TimeSpan.FromMinutes(10), target.Polling.MaxStaleness);
        Assert.False(target.Webhook.Enabled);
        Assert.Equal("/webhooks/production", target.Webhook.Path);
    }

    public static readonly TheoryData<string> EveryKey =
    [
        "listen_address", "targets", "name", "base_url", "api_key_file", "api_key_env", "tier", "budget_share", "tls", "ca_file",
        "allow_insecure_http", "polling", "status_interval", "alerts_interval", "alert_statuses", "page_size", "max_pages",
        "max_staleness", "webhook", "enabled", "path", "secret_files", "max_body_bytes", "dedupe_window",
    ];

    [Theory]
    [MemberData(nameof(EveryKey))]
    public void The_example_and_the_reference_document_every_key(string key)
    {
        var root = Repository.Root;

        Assert.Contains($"{key}:", File.ReadAllText(Path.Combine(root, "exporter.yml.example")), StringComparison.Ordinal);
        Assert.Matches($@"`(\w+\.)?{key}`", File.ReadAllText(Path.Combine(root, "docs", "configuration.md")));
    }
}
