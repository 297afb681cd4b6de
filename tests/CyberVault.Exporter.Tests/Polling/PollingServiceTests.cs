using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CyberVault.Exporter.Tests.Polling;

public class PollingServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FakeApiFactory : ICyberVaultApiFactory
    {
        public List<string> Created { get; } = [];

        public List<string> Released { get; } = [];

        public ICyberVaultApi Create(TargetRuntime runtime)
        {
            Created.Add(runtime.Name);
            return new FakeApi();
        }

        public void Release(TargetRuntime runtime) => Released.Add(runtime.Name);
    }

    private static ExporterConfig Config(params TargetConfig[] targets) => new(new WebConfig(WebConfig.DefaultListenAddress), targets);

    [Fact]
    public async Task ApplyAsync_adds_removes_and_restarts_changed_targets_only()
    {
        var time = TestSupport.NewTime();
        var store = new SnapshotStore();
        var factory = new FakeApiFactory();
        using var service = new PollingService(Config(), factory, store, time);
        var a = TestSupport.Target(name: "a");
        var b = TestSupport.Target(name: "b");

        await service.ApplyAsync(Config(a, b), Ct);
        await WaitForAsync(() => store.Current().Count == 2);
        var budgetOfB = service.Pollers["b"].Runtime.Budget;

        // b changes its polling (same plan: budget kept), a is removed, c is new; an equal copy of a list is no change.
        var changedB = b with { Polling = b.Polling with { StatusInterval = TimeSpan.FromSeconds(30) } };
        var c = TestSupport.Target(name: "c") with { Polling = new PollingConfig { AlertStatuses = ["open", "investigating"] } };
        await service.ApplyAsync(Config(changedB, c), Ct);
        await service.ApplyAsync(Config(changedB, c with { Polling = c.Polling with { AlertStatuses = ["open", "investigating"] } }), Ct);
        await WaitForAsync(() => store.Current().Select(s => s.Target).SequenceEqual(["b", "c"]));

        Assert.Equal(["a", "b", "b", "c"], factory.Created.Order());
        Assert.Equal(["a", "b"], factory.Released.Order());
        Assert.Same(budgetOfB, service.Pollers["b"].Runtime.Budget);
        Assert.Equal(TimeSpan.FromSeconds(30), service.Pollers["b"].Runtime.Config.Polling.StatusInterval);

        await service.StopAsync(Ct);
        Assert.Empty(service.Pollers);
    }

    [Fact]
    public void Equal_target_configs_with_distinct_list_instances_are_the_same_target()
    {
        var one = TestSupport.Target() with { Polling = new PollingConfig { AlertStatuses = ["open"] } };
        var two = TestSupport.Target() with { Polling = new PollingConfig { AlertStatuses = ["open"] } };

        Assert.True(TargetConfigs.SameTarget(one, two));
        Assert.False(TargetConfigs.SameTarget(one, two with { BudgetShare = 0.25 }));
        Assert.False(TargetConfigs.SameTarget(one, two with { Polling = two.Polling with { AlertStatuses = ["investigating"] } }));
    }

    [Fact]
    public async Task A_rotated_key_file_is_logged_once_by_target_and_source_without_the_key()
    {
        var dir = Directory.CreateTempSubdirectory("cv-keyrot-");
        try
        {
            var keyFile = Path.Combine(dir.FullName, "key");
            await File.WriteAllTextAsync(keyFile, "cv_old_key_0123456789", Ct);
            var logs = new FakeLogCollector();
            using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace));
            var store = new SnapshotStore();
            using var service = new PollingService(Config(), new FakeApiFactory(), store, TestSupport.NewTime(), loggerFactory);
            await service.ApplyAsync(Config(TestSupport.Target(name: "a", keyFile: keyFile)), Ct);
            var key = service.Pollers["a"].Runtime.Key;
            Assert.Equal("cv_old_key_0123456789", key.GetKey());

            // A different length, so the size part of the file stamp changes even where mtime is coarse.
            await File.WriteAllTextAsync(keyFile, "cv_new_key_0123456789abcdef", Ct);
            Assert.Equal("cv_new_key_0123456789abcdef", key.GetKey());
            Assert.Equal("cv_new_key_0123456789abcdef", key.GetKey());

            var rotated = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 3001);
            Assert.Equal(LogLevel.Information, rotated.Level);
            Assert.Contains("target a", rotated.Message, StringComparison.Ordinal);
            Assert.Contains(keyFile, rotated.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains("cv_new_key", StringComparison.Ordinal) || r.Message.Contains("cv_old_key", StringComparison.Ordinal));
            await service.StopAsync(Ct);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            await Task.Delay(10, Ct);
        }
    }
}
