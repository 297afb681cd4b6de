using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Configuration;

/// <summary>Each file in InvalidConfigs/ is named after its mistake; each must give exactly its messages.</summary>
public class InvalidConfigTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Configuration", "InvalidConfigs");

    /// <summary>File, number of errors, and fragments that must appear (location, key path and value).</summary>
    public static readonly TheoryData<string, int, string[]> Cases = new()
    {
        { "unknown-key.yml", 1, ["unknown-key.yml:7:7: targets[0].polling.pagesize: unknown key", "did you mean page_size?"] },
        { "unknown-top-level-key.yml", 1, ["unknown-top-level-key.yml:3:1: exporter: unknown key at the top level", "known keys: web, targets"] },
        { "inline-api-key.yml", 1, ["inline-api-key.yml:5:5: targets[0].api_key: an inline API key is refused", "api_key_file", "api_key_env"] },
        { "page-size-too-large.yml", 1, ["page-size-too-large.yml:8:18: targets[0].polling.page_size: 500 is above the maximum 200"] },
        { "page-size-not-an-integer.yml", 1, ["7:18: targets[0].polling.page_size: lots is not an integer"] },
        { "quoted-number.yml", 1, ["7:18: targets[0].polling.page_size: \"200\" is a quoted string; expected an integer"] },
        { "max-pages-too-large.yml", 1, ["7:18: targets[0].polling.max_pages: 200000 is above the maximum 100000"] },
        { "http-without-allow.yml", 1, ["3:15: targets[0].base_url: http://api.cybervault.io/v2: http:// is refused", "allow_insecure_http"] },
        { "http-to-remote-host.yml", 1, ["3:15: targets[0].base_url: http://10.0.0.5:8080/v2: http:// is only allowed for 127.0.0.1, localhost or ::1, not 10.0.0.5"] },
        { "url-not-absolute.yml", 1, ["3:15: targets[0].base_url: api.cybervault.io/v2 is not an absolute URL"] },
        { "url-with-query.yml", 1, ["3:15: targets[0].base_url: https://api.cybervault.io/v2?*** must not have a query string"] },
        { "url-with-userinfo.yml", 1, ["3:15: targets[0].base_url: https://***@api.cybervault.io/v2 must not contain user info"] },
        { "duplicate-target-name.yml", 1, ["6:11: targets[1].name: production is already the name of targets[0]"] },
        { "bad-target-name.yml", 1, ["2:11: targets[0].name: Production! must match [a-z0-9_-]+"] },
        { "target-name-too-long.yml", 1, ["2:11: targets[0].name: " + new string('a', 65) + " is 65 characters long; the maximum is 64"] },
        { "bad-duration.yml", 1, ["7:24: targets[0].polling.status_interval: 15 is not a duration (missing unit"] },
        { "duration-units-out-of-order.yml", 1, ["7:24: targets[0].polling.alerts_interval: 30s1m is not a duration (units must appear once each, from largest to smallest"] },
        { "status-interval-too-short.yml", 1, ["7:24: targets[0].polling.status_interval: 500ms is below the minimum 1s"] },
        { "alerts-interval-too-short.yml", 1, ["7:24: targets[0].polling.alerts_interval: 2s is below the minimum 5s"] },
        { "alerts-interval-too-long.yml", 1, ["7:24: targets[0].polling.alerts_interval: 2d is above the maximum 1d"] },
        { "max-staleness-below-status-interval.yml", 1, ["8:22: targets[0].polling.max_staleness: 30s is below status_interval 1m"] },
        { "default-max-staleness-below-status-interval.yml", 1, ["7:24: targets[0].polling.max_staleness: the default 10m is below status_interval 1h"] },
        { "bad-tier.yml", 1, ["5:11: targets[0].tier: profesional is not a tier; expected one of starter, professional, enterprise (did you mean professional?)"] },
        { "missing-tier.yml", 1, ["2:5: targets[0].tier: missing; required: one of starter, professional, enterprise"] },
        { "both-key-sources.yml", 1, ["6:5: targets[0].api_key_env: cannot be combined with api_key_file (line 4)"] },
        { "api-key-env-looks-like-a-key.yml", 1, ["5:18: targets[0].api_key_env: looks like an API key", "value not shown"] },
        { "budget-share-zero.yml", 1, ["6:19: targets[0].budget_share: 0 is out of range: it must be greater than 0 and at most 1"] },
        { "budget-share-above-one.yml", 1, ["6:19: targets[0].budget_share: 1.5 is out of range"] },
        { "budget-share-percent.yml", 1, ["6:19: targets[0].budget_share: 50% is not a number"] },
        { "bad-bool.yml", 1, ["6:26: targets[0].allow_insecure_http: yes is not a boolean; expected true or false"] },
        { "bad-alert-status.yml", 1, ["7:30: targets[0].polling.alert_statuses[1]: closed is not an alert status; expected one of open, investigating, resolved, dismissed"] },
        { "duplicate-alert-status.yml", 1, ["7:45: targets[0].polling.alert_statuses[2]: open is listed twice"] },
        { "empty-alert-statuses.yml", 1, ["7:23: targets[0].polling.alert_statuses: the list is empty"] },
        { "polling-not-a-mapping.yml", 1, ["6:14: targets[0].polling: expected a mapping (key: value lines), got the value 15s"] },
        { "ca-file-missing.yml", 1, ["7:16: targets[0].tls.ca_file: does-not-exist.pem does not exist"] },
        { "ca-file-not-pem.yml", 1, ["7:16: targets[0].tls.ca_file: not-a-certificate.pem contains no PEM certificate"] },
        { "bad-listen-address.yml", 1, ["2:19: web.listen_address: \"9878\" is not a listen address: missing port"] },
        { "empty.yml", 1, ["empty.yml:1:1: the configuration is empty; it needs a targets: list with at least one target"] },
        { "no-targets.yml", 1, ["no-targets.yml:3:10: targets: the list is empty; at least one target is required"] },
        { "missing-targets.yml", 1, ["missing-targets.yml:1:1: targets: missing; at least one target is required"] },
        { "syntax-error.yml", 1, ["syntax-error.yml:7:", "YAML syntax error"] },
        { "duplicate-key.yml", 1, ["duplicate-key.yml:6:5: targets[0].tier: duplicate key (first given on line 5)"] },
        { "multiple-documents.yml", 1, ["multiple-documents.yml:7:1: only one YAML document is allowed"] },
        { "root-is-a-list.yml", 1, ["root-is-a-list.yml:1:1: expected a mapping with the keys web and targets, got a list"] },
        { "webhook-enabled-without-secrets.yml", 1, ["7:7: targets[0].webhook.secret_files: an enabled webhook needs at least one secret file"] },
        { "webhook-reserved-path.yml", 1, ["7:13: targets[0].webhook.path: /metrics is served by the exporter itself"] },
        { "webhook-path-without-slash.yml", 1, ["7:13: targets[0].webhook.path: webhooks/production must start with /"] },
        { "webhook-duplicate-path.yml", 1, ["12:13: targets[1].webhook.path: /hooks/CV is already the webhook path of targets[0]"] },
        { "webhook-body-too-large.yml", 1, ["7:23: targets[0].webhook.max_body_bytes: 20000000 is above the maximum 10485760"] },
        { "not-utf8-latin1.yml", 1, ["not-utf8-latin1.yml:2:14: the file is not UTF-8 text (the byte 0xE9); save it as UTF-8"] },
        { "binary-file.yml", 1, ["binary-file.yml:1:2: the file is not UTF-8 text (the byte 0x8B)", "compressed"] },
        { "tabs-for-indentation.yml", 1, ["tabs-for-indentation.yml:2:1: YAML syntax error: a tab in the indentation; YAML indents with spaces only"] },
        { "api-key-file-passed-as-config.yml", 1, ["1:1: expected a mapping with the keys web and targets, got a value that looks like an API key (not shown)"] },
        { "targets-not-a-list.yml", 1, ["2:3: targets: expected a list of targets, got a mapping"] },
        { "target-not-a-mapping.yml", 1, ["2:5: targets[0]: expected a mapping (key: value lines), got the value production"] },
        { "missing-name.yml", 1, ["2:5: targets[0].name: missing; required: a name for the target label"] },
        { "missing-base-url.yml", 1, ["2:5: targets[0].base_url: missing; required: the API's base URL"] },
        { "empty-value.yml", 1, ["5:10: targets[0].tier: a value is required"] },
        { "api-key-file-empty.yml", 1, ["4:19: targets[0].api_key_file: is empty; expected the path of a file"] },
        { "ca-file-empty.yml", 1, ["7:16: targets[0].tls.ca_file: is empty; expected the path of a file"] },
        { "negative-duration.yml", 1, ["7:24: targets[0].polling.status_interval: -15s is not a duration"] },
        { "number-overflow.yml", 1, ["7:18: targets[0].polling.page_size: 99999999999999999999 is not an integer"] },
        { "max-pages-zero.yml", 1, ["7:18: targets[0].polling.max_pages: 0 is below the minimum 1"] },
        { "alert-statuses-not-a-list.yml", 1, ["7:23: targets[0].polling.alert_statuses: expected a list (e.g. [a, b]), got the value open"] },
        { "listen-port-out-of-range.yml", 1, ["2:19: web.listen_address: \":70000\" is not a listen address: port \"70000\" is not a number from 0 to 65535"] },
        { "unknown-web-key.yml", 1, ["2:3: web.listen_adress: unknown key in web (did you mean listen_address?)"] },
        { "merge-key.yml", 1, ["6:5: targets[0].<<: YAML merge keys are not supported; write the keys out"] },
        { "webhook-bad-dedupe-window.yml", 1, ["9:22: targets[0].webhook.dedupe_window: forever is not a duration"] },
        {
            "several-mistakes.yml", 3,
            [
                "3:15: targets[0].base_url: http://api.cybervault.io/v2: http:// is refused",
                "4:11: targets[0].tier: gold is not a tier",
                "6:18: targets[0].polling.page_size: 0 is below the minimum 1",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_invalid_file_fails_with_messages_naming_location_key_and_value(string file, int errorCount, string[] fragments)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.Combine(Folder, file)));

        Assert.Equal(errorCount, error.Errors.Count);
        var rendered = string.Join("\n", error.Errors.Select(e => e.ToString()));
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, rendered, StringComparison.Ordinal);
        }

        // The exception's message lists every error too, so a caller printing it loses nothing.
        foreach (var e in error.Errors)
        {
            Assert.Contains(e.ToString(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_file_in_the_folder_has_a_row_in_the_table()
    {
        var files = Directory.GetFiles(Folder, "*.yml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var rows = Cases.Select(row => row.Data.Item1).Order(StringComparer.Ordinal).ToList();

        Assert.True(files.Count >= 20, $"only {files.Count} invalid files");
        Assert.Equal(files, rows);
    }

    [Theory]
    [InlineData("inline-api-key.yml", "cv_live_8xK9mP2nQ7vR4wL1")]
    [InlineData("api-key-env-looks-like-a-key.yml", "cv_live_8xK9mP2nQ7vR4wL1")]
    [InlineData("api-key-file-passed-as-config.yml", "cv_live_abcdef0123456789")]
    [InlineData("url-with-query.yml", "hunter2")]
    [InlineData("url-with-userinfo.yml", "hunter2")]
    [InlineData("url-with-userinfo.yml", "admin")]
    public void Secrets_in_a_bad_file_never_appear_in_the_error(string file, string secret)
    {
        Assert.Contains(secret, File.ReadAllText(Path.Combine(Folder, file)), StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.Combine(Folder, file)));

        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tier: cv_live_8xK9mP2nQ7vR4wL1", "targets[0].tier: the value (not shown: it looks like an API key) is not a tier")]
    [InlineData("base_url: https://api.cybervault.io/v2?key=cv_live_8xK9mP2nQ7vR4wL1", "targets[0].base_url: the value (not shown: it looks like an API key) must not have a query string")]
    [InlineData("polling: {max_staleness: cv_live_8xK9mP2nQ7vR4wL1}", "targets[0].polling.max_staleness: the value (not shown: it looks like an API key) is not a duration")]
    public void A_key_pasted_into_the_wrong_field_is_not_echoed(string line, string expected)
    {
        var yaml = $"targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    {line}\n"
            .Replace("    tier: starter\n    tier:", "    tier:", StringComparison.Ordinal)
            .Replace("    base_url: https://x.example/v2\n    tier: starter\n    base_url:", "    tier: starter\n    base_url:", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "x.yml"));

        Assert.Contains(error.Errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("8xK9mP2nQ7vR4wL1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_one_error_naming_the_file()
    {
        var path = Path.Combine(Folder, "no-such-file.yml");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        var only = Assert.Single(error.Errors);
        Assert.Equal($"{path}: cannot read the file: it does not exist", only.ToString());
    }

    [Fact]
    public void A_file_above_the_size_limit_is_refused_before_parsing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cv-huge-{Guid.NewGuid():N}.yml");
        try
        {
            File.WriteAllText(path, "# " + new string('x', ConfigLimits.MaxFileBytes) + "\n");

            var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

            Assert.Contains("a configuration may be at most 1048576 bytes", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Every_duplicate_key_is_reported_with_its_path_not_only_the_first()
    {
        const string yaml = """
            targets:
              - name: a
                base_url: https://api.cybervault.io/v2
                tier: starter
                tier: starter
                polling:
                  page_size: 10
                  page_size: 20
            """;

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "dup.yml"));

        Assert.Equal(
            ["dup.yml:5:5: targets[0].tier: duplicate key (first given on line 4)", "dup.yml:8:7: targets[0].polling.page_size: duplicate key (first given on line 7)"],
            error.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    Tier: starter\n", "targets[0].Tier: unknown key in targets[0] (did you mean tier?)")]
    [InlineData("targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    pollling: {}\n", "targets[0].pollling: unknown key in targets[0] (did you mean polling?)")]
    [InlineData("targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    tls: {cafile: x.pem}\n", "targets[0].tls.cafile: unknown key in targets[0].tls (did you mean ca_file?)")]
    [InlineData("web:\n  listen-address: \":1\"\ntargets: []\n", "web.listen-address: unknown key in web (did you mean listen_address?)")]
    [InlineData("targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    webhook: {enable: true}\n", "targets[0].webhook.enable: unknown key in targets[0].webhook (did you mean enabled?)")]
    public void A_misspelt_key_gets_a_did_you_mean(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "x.yml"));

        Assert.Contains(error.Errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_key_far_from_every_known_key_gets_no_suggestion()
    {
        const string yaml = "targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    colour: blue\n";

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "x.yml"));

        var only = Assert.Single(error.Errors);
        Assert.Equal("targets[0].colour", only.Path);
        Assert.DoesNotContain("did you mean", only.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("polling: {page_size: [1, 2]}", "targets[0].polling.page_size: expected an integer, got a list")]
    [InlineData("polling: {status_interval: {a: 1}}", "targets[0].polling.status_interval: expected a single value, got a mapping")]
    [InlineData("polling: {alert_statuses: open}", "targets[0].polling.alert_statuses: expected a list (e.g. [a, b]), got the value open")]
    [InlineData("budget_share: .nan", "targets[0].budget_share: .nan is not a number")]
    [InlineData("budget_share: -0.5", "targets[0].budget_share: -0.5 is out of range")]
    [InlineData("allow_insecure_http: 1", "targets[0].allow_insecure_http: 1 is not a boolean")]
    [InlineData("allow_insecure_http: \"true\"", "targets[0].allow_insecure_http: \"true\" is a quoted string; expected true or false")]
    [InlineData("tier:", "targets[0].tier: a value is required")]
    [InlineData("polling: {max_pages: 0}", "targets[0].polling.max_pages: 0 is below the minimum 1")]
    [InlineData("polling: {max_pages: 99999999999999999999}", "targets[0].polling.max_pages: 99999999999999999999 is not an integer")]
    [InlineData("polling: {max_staleness: 8d}", "targets[0].polling.max_staleness: 8d is above the maximum 1w")]
    [InlineData("polling: {status_interval: 25h}", "targets[0].polling.status_interval: 25h is above the maximum 1d")]
    [InlineData("api_key_env: 1BAD-NAME", "targets[0].api_key_env: is not an environment variable name matching [A-Za-z_][A-Za-z0-9_]* (value not shown)")]
    [InlineData("webhook: {path: /-/quit}", "targets[0].webhook.path: /-/quit is served by the exporter itself")]
    [InlineData("webhook: {path: /hooks/a?x=1}", "targets[0].webhook.path: /hooks/a?x=1 may only contain letters, digits")]
    [InlineData("webhook: {path: /hooks/}", "targets[0].webhook.path: /hooks/ must not end with /")]
    [InlineData("webhook: {max_body_bytes: 0}", "targets[0].webhook.max_body_bytes: 0 is below the minimum 1")]
    [InlineData("webhook: {dedupe_window: 0}", "targets[0].webhook.dedupe_window: 0 is below the minimum 1s")]
    [InlineData("webhook: {enabled: true, secret_files: []}", "targets[0].webhook.secret_files: an enabled webhook needs at least one secret file")]
    [InlineData("webhook: {secret_files: [a, a]}", "targets[0].webhook.secret_files[1]: a is listed twice")]
    [InlineData("webhook: {enabled: true, path: metrics}", "targets[0].webhook.secret_files: an enabled webhook needs at least one secret file")]
    [InlineData("webhook: {enabled: true, path: metrics}", "targets[0].webhook.path: metrics must start with /")]
    [InlineData("<<: {tier: starter}", "targets[0].<<: YAML merge keys are not supported")]
    public void A_wrong_type_or_value_names_the_key_and_the_value(string extraLine, string expected)
    {
        var yaml = $"targets:\n  - name: a\n    base_url: https://x.example/v2\n    tier: starter\n    {extraLine}\n".Replace("    tier: starter\n    tier:", "    tier:", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "x.yml"));

        Assert.Contains(error.Errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
    }
}
