using CyberVault.Exporter.Tests.Support;
using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Configuration;

public sealed class ConfigCheckTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("cv-check-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static TargetConfig Target(Tier tier, double share, PollingConfig? polling = null) => new()
    {
        Name = "production",
        BaseUrl = new Uri("https://api.cybervault.io/v2"),
        ApiKey = new ApiKeySource("/run/secrets/cybervault", null),
        Tier = tier,
        BudgetShare = share,
        Polling = polling ?? new PollingConfig(),
    };

    private static string Check(TargetConfig target, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>? counts = null)
    {
        using var output = new StringWriter();
        Assert.Equal(0, ConfigCheck.Run(new ExporterConfig(new WebConfig(WebConfig.DefaultListenAddress), [target]), output, counts));
        return output.ToString();
    }

    [Fact]
    public void Starter_at_half_share_prints_30_requests_per_minute_half_a_token_per_second_and_capacity_7()
    {
        var text = Check(Target(Tier.Starter, 0.5));

        Assert.Contains("target production", text, StringComparison.Ordinal);
        Assert.Contains("https://api.cybervault.io/v2", text, StringComparison.Ordinal);
        Assert.Contains("file /run/secrets/cybervault", text, StringComparison.Ordinal);
        Assert.Contains("starter: 60 requests/min, burst 15", text, StringComparison.Ordinal);
        Assert.Contains("budget:           30 requests/min (budget_share 0.5), 0.5 tokens/s, capacity 7", text, StringComparison.Ordinal);
        Assert.Contains("status polls:     every 15s = 4 requests/min", text, StringComparison.Ordinal);
        Assert.Contains("one cycle:        3 requests = 1 status + 2 pages (assumed one page per status: alert counts unknown)", text, StringComparison.Ordinal);
        Assert.Contains("planned:          6 requests/min of the budget's 30 (20%)", text, StringComparison.Ordinal);
        Assert.Contains("alerts interval:  effective 1m (as configured; the budget allows it)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Professional_at_half_share_gets_150_requests_per_minute_and_capacity_25()
    {
        var plan = CyclePlan.For(Target(Tier.Professional, 0.5), null);

        Assert.Equal(150, plan.Budget.RequestsPerMinute);
        Assert.Equal(2.5, plan.Budget.TokensPerSecond);
        Assert.Equal(25, plan.Budget.Capacity);
    }

    [Fact]
    public void Last_known_counts_set_the_pages_of_a_cycle()
    {
        var counts = new Dictionary<string, IReadOnlyDictionary<string, long>>
        {
            ["production"] = new Dictionary<string, long> { ["open"] = 2000, ["investigating"] = 0, ["resolved"] = 99999 },
        };

        var plan = CyclePlan.For(Target(Tier.Starter, 0.5), counts["production"]);
        var text = Check(Target(Tier.Starter, 0.5), counts);

        // 2000 open alerts at 200 per page are 10 pages, an empty status still costs 1; resolved is not polled.
        Assert.Equal(12, plan.RequestsPerCycle);
        Assert.Equal(11, plan.PagesPerSweep);
        Assert.Empty(plan.AssumedStatuses);
        Assert.Equal(15, plan.PlannedRequestsPerMinute(TimeSpan.FromMinutes(1)));
        Assert.Contains("one cycle:        12 requests = 1 status + 11 pages (last known counts: open 2000, investigating 0)", text, StringComparison.Ordinal);
        Assert.Contains("planned:          15 requests/min of the budget's 30 (50%)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_without_a_known_count_is_assumed_to_fit_one_page_and_said_so()
    {
        var counts = new Dictionary<string, IReadOnlyDictionary<string, long>> { ["production"] = new Dictionary<string, long> { ["open"] = 401 } };

        var text = Check(Target(Tier.Starter, 0.5), counts);

        Assert.Contains("5 requests = 1 status + 4 pages (last known counts: open 401, investigating unknown (assumed one page))", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alerts_interval_too_fast_for_the_budget_is_stretched_and_the_effective_interval_printed()
    {
        // Starter at 0.1 is 6 requests/min; status polls take 4, leaving 2 for 11 pages: one sweep per 5m30s.
        var counts = new Dictionary<string, long> { ["open"] = 2000, ["investigating"] = 0 };
        var target = Target(Tier.Starter, 0.1);

        var plan = CyclePlan.For(target, counts);
        var text = Check(target, new Dictionary<string, IReadOnlyDictionary<string, long>> { ["production"] = counts });

        Assert.False(plan.AlertsStarved);
        Assert.Equal(TimeSpan.FromSeconds(330), plan.EffectiveAlertsInterval);
        Assert.Contains("alerts interval:  effective 5m30s: the configured 1m is too fast for the budget (11 pages per sweep, 2 requests/min left after status polls)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_polls_above_the_whole_budget_are_a_warning_that_no_sweep_can_run()
    {
        // Starter at 0.05 is 3 requests/min, below the 4 status polls a minute at 15s.
        var target = Target(Tier.Starter, 0.05);

        var plan = CyclePlan.For(target, null);
        var text = Check(target);

        Assert.True(plan.AlertsStarved);
        Assert.Equal(TimeSpan.FromSeconds(20), plan.EffectiveStatusInterval);
        Assert.Contains("WARNING:          status polls alone need 4 requests/min, above the budget: status polls stretch to every 20s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_needing_more_than_max_pages_is_a_warning()
    {
        var target = Target(Tier.Enterprise, 1, new PollingConfig { MaxPages = 5, PageSize = 100 });

        var text = Check(target, new Dictionary<string, IReadOnlyDictionary<string, long>> { ["production"] = new Dictionary<string, long> { ["open"] = 501, ["investigating"] = 500 } });

        Assert.Contains("WARNING:          open: 501 alerts need more than max_pages 5 pages of 100; that sweep will fail", text, StringComparison.Ordinal);
        Assert.DoesNotContain("investigating: 500 alerts need", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_itself_is_never_printed_only_where_it_comes_from()
    {
        const string variable = "CV_CONFIG_CHECK_TEST_KEY";
        const string key = "cv_live_configcheck_0123456789";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            var target = Target(Tier.Starter, 1) with { ApiKey = new ApiKeySource(null, variable) };

            var text = Check(target);

            Assert.Contains($"api key:          env {variable}", text, StringComparison.Ordinal);
            Assert.DoesNotContain(key, text, StringComparison.Ordinal);
            Assert.DoesNotContain("WARNING", text, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_missing_key_file_is_a_warning_not_an_error()
    {
        var text = Check(Target(Tier.Starter, 1) with { ApiKey = new ApiKeySource(Path.Combine(directory, "absent"), null) });

        Assert.Contains("(WARNING: the file does not exist yet)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Checking_the_example_file_exits_0_and_prints_its_target()
    {
        using var output = new StringWriter();

        var code = ConfigCheck.CheckFile(Path.Combine(Repository.Root, "exporter.yml.example"), output);

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("the configuration is valid", text, StringComparison.Ordinal);
        Assert.Contains("listen address: :9878", text, StringComparison.Ordinal);
        Assert.Contains("budget:           150 requests/min (budget_share 0.5), 2.5 tokens/s, capacity 25", text, StringComparison.Ordinal);
        Assert.Contains("webhook:          disabled", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Checking_an_invalid_file_exits_1_and_lists_every_error()
    {
        using var output = new StringWriter();
        var path = Path.Combine(AppContext.BaseDirectory, "Configuration", "InvalidConfigs", "several-mistakes.yml");

        var code = ConfigCheck.CheckFile(path, output);

        Assert.Equal(1, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("the configuration is invalid, 3 errors:", lines[0]);
        Assert.Contains(lines, l => l.Contains("targets[0].base_url", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("targets[0].tier: gold", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("targets[0].polling.page_size: 0", StringComparison.Ordinal));
    }

    [Fact]
    public void An_enabled_webhook_is_described_with_its_path_and_limits()
    {
        var secret = Path.Combine(directory, "hook");
        File.WriteAllText(secret, "s3cret");
        var target = Target(Tier.Starter, 1) with
        {
            Webhook = new WebhookConfig { Enabled = true, Path = "/webhooks/production", SecretFiles = [secret, secret + "-next"] },
        };

        var text = Check(target);

        Assert.Contains("webhook:          enabled at /webhooks/production, 2 secret file(s), max_body_bytes 262144, dedupe_window 10m (WARNING: 1 secret file(s) do not exist yet)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
    }
}
