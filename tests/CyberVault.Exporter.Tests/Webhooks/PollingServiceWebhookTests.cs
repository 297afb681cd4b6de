using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Tests.Polling;

namespace CyberVault.Exporter.Tests.Webhooks;

public class PollingServiceWebhookTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ExporterConfig Config(params TargetConfig[] targets) => new(new WebConfig(WebConfig.DefaultListenAddress), targets);

    private static TargetConfig Target(params string[] secretFiles) => TestSupport.Target(name: "prod") with
    {
        Webhook = new WebhookConfig { Enabled = true, Path = "/webhooks/prod", SecretFiles = secretFiles },
    };

    [Fact]
    public async Task A_reload_that_restarts_a_target_keeps_its_webhook_counters_and_TryGetPoller_finds_the_new_poller()
    {
        var time = TestSupport.NewTime();
        var store = new SnapshotStore();
        using var service = new PollingService(Config(), new Factory(), store, time);
        await service.ApplyAsync(Config(Target("/a")), Ct);
        Assert.True(service.TryGetPoller("prod", out var first));
        first.RecordWebhookEvent("compliance.failed", "accepted", signatureValid: true, WebhookFinding.ComplianceFailed);

        var changed = Target("/a") with { Polling = new PollingConfig { StatusInterval = TimeSpan.FromSeconds(30) } };
        await service.ApplyAsync(Config(changed), Ct);

        Assert.True(service.TryGetPoller("prod", out var second));
        Assert.NotSame(first, second);
        Assert.Equal(1, second.BuildSnapshot().Webhooks!.ComplianceFailures);
        Assert.False(service.TryGetPoller("other", out _));
        await service.StopAsync(Ct);
    }

    [Fact]
    public void Targets_whose_webhooks_differ_only_in_list_instances_are_the_same_target()
    {
        Assert.True(TargetConfigs.SameTarget(Target("/a", "/b"), Target("/a", "/b")));
        Assert.False(TargetConfigs.SameTarget(Target("/a", "/b"), Target("/a", "/c")));
    }

    private sealed class Factory : ICyberVaultApiFactory
    {
        public ICyberVaultApi Create(TargetRuntime runtime) => new FakeApi();

        public void Release(TargetRuntime runtime)
        {
        }
    }
}
