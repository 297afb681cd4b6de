using CyberVault.Exporter.Api;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberVault.Exporter.Polling;

/// <summary>
/// Runs one <see cref="TargetPoller"/> per configured target and applies later configurations: targets added,
/// removed (their series leave the store) or changed (restarted; budget and counters carried over when the
/// target keeps its name and plan, so a reload neither resets counters nor grants a fresh burst).
/// </summary>
internal sealed class PollingService : BackgroundService
{
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ExporterConfig _initial;
    private readonly ICyberVaultApiFactory _apiFactory;
    private readonly ISnapshotStore _store;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    public PollingService(ExporterConfig initial, ICyberVaultApiFactory apiFactory, ISnapshotStore store, TimeProvider time, ILoggerFactory? loggerFactory = null)
    {
        _initial = initial ?? throw new ArgumentNullException(nameof(initial));
        _apiFactory = apiFactory ?? throw new ArgumentNullException(nameof(apiFactory));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<PollingService>();
    }

    /// <summary>The pollers now running, by target name (for tests and the landing page).</summary>
    public IReadOnlyDictionary<string, TargetPoller> Pollers
    {
        get
        {
            lock (_running)
            {
                return _running.ToDictionary(p => p.Key, p => p.Value.Poller, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The poller of <paramref name="target"/> if it is running (the webhook receiver applies events through it).</summary>
    public bool TryGetPoller(string target, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TargetPoller? poller)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (_running)
        {
            poller = _running.TryGetValue(target, out var running) ? running.Poller : null;
            return poller is not null;
        }
    }

    /// <summary>Brings the running pollers in line with <paramref name="config"/>.</summary>
    public async Task ApplyAsync(ExporterConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wanted = config.Targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
            List<KeyValuePair<string, Running>> current;
            lock (_running)
            {
                current = [.. _running];
            }

            foreach (var (name, running) in current)
            {
                if (!wanted.TryGetValue(name, out var target))
                {
                    await StopAsync(running, keepBudget: false).ConfigureAwait(false);
                    _store.Remove(name);
                }
                else if (!TargetConfigs.SameTarget(running.Runtime.Config, target))
                {
                    var keep = BudgetPlan.For(target) == running.Runtime.Budget.Plan;
                    var webhooks = running.Poller.BuildSnapshot().Webhooks;
                    await StopAsync(running, keepBudget: keep).ConfigureAwait(false);
                    Start(target, keep ? running.Runtime : null, webhooks);
                }
            }

            foreach (var target in config.Targets)
            {
                bool exists;
                lock (_running)
                {
                    exists = _running.ContainsKey(target.Name);
                }

                if (!exists)
                {
                    Start(target, null, null);
                }
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // One cancellation reaches every poller at once: API calls in flight (a slow answer, a budget wait, a
        // Retry-After) end now rather than at their timeouts, which are far beyond the host's shutdown timeout.
        await _stopping.CancelAsync().ConfigureAwait(false);
        List<Running> all;
        lock (_running)
        {
            all = [.. _running.Values];
        }

        Log.ShuttingDown(_logger, all.Count);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var running in all)
        {
            await StopAsync(running, keepBudget: false).ConfigureAwait(false);
        }

        Log.ShutdownComplete(_logger);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        _applyLock.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ApplyAsync(_initial, stoppingToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown; StopAsync stops the pollers.
        }
    }

    private void Start(TargetConfig target, TargetRuntime? previous, WebhookStats? webhooks)
    {
        TargetRuntime runtime;
        ICyberVaultApi api;
        try
        {
            runtime = previous is null
                ? TargetRuntime.Create(target, _time, _loggerFactory.CreateLogger<RequestBudget>())
                : new TargetRuntime(target, previous.Budget, new ApiKeyProvider(target.ApiKey), previous.Requests, previous.Failures);
            api = _apiFactory.Create(runtime);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ArgumentException)
        {
            // E.g. an unreadable tls.ca_file: this target cannot run, the others still do.
            Log.PollerStartFailed(_logger, target.Name, ex.Message);
            return;
        }

        // Keys rotate every 90 days: one line per rotation tells the operator the new key is in use (never the key).
        var name = target.Name;
        runtime.Key.Reloaded += source => Log.ApiKeyReloaded(_logger, name, source);
        var poller = new TargetPoller(runtime, api, _store, _time, _loggerFactory.CreateLogger<TargetPoller>(), webhooks);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        Log.PollerStarted(_logger, target.Name, runtime.Budget.Plan.RequestsPerMinute, runtime.Budget.Plan.Capacity);
        var task = Task.Run(() => RunGuardedAsync(poller, cts.Token), CancellationToken.None);
        lock (_running)
        {
            _running[target.Name] = new Running(runtime, poller, cts, task);
        }
    }

    private async Task RunGuardedAsync(TargetPoller poller, CancellationToken cancellationToken)
    {
        try
        {
            await poller.RunAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One target's bug must not take the other targets' polling down; it is logged.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            Log.PollerCrashed(_logger, ex, poller.Target);
        }
    }

    private async Task StopAsync(Running running, bool keepBudget)
    {
        lock (_running)
        {
            if (_running.TryGetValue(running.Runtime.Name, out var current) && ReferenceEquals(current, running))
            {
                _running.Remove(running.Runtime.Name);
            }
        }

        await running.Cancellation.CancelAsync().ConfigureAwait(false);
        await running.Task.ConfigureAwait(false);
        running.Cancellation.Dispose();
        _apiFactory.Release(running.Runtime);
        if (!keepBudget)
        {
            running.Runtime.Budget.Dispose();
        }

        Log.PollerStopped(_logger, running.Runtime.Name);
    }

    private sealed record Running(TargetRuntime Runtime, TargetPoller Poller, CancellationTokenSource Cancellation, Task Task);
}

/// <summary>Value comparison of target configs (records compare lists by reference).</summary>
internal static class TargetConfigs
{
    public static bool SameTarget(TargetConfig a, TargetConfig b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // Both sides get the same webhook instance: an unset webhook (null field) and its default are the same config.
        var webhook = b.Webhook;
        return a with { Polling = b.Polling, Webhook = webhook } == b with { Webhook = webhook }
            && a.Polling with { AlertStatuses = b.Polling.AlertStatuses } == b.Polling
            && a.Polling.AlertStatuses.SequenceEqual(b.Polling.AlertStatuses, StringComparer.Ordinal)
            && SameWebhook(a.Webhook, b.Webhook);
    }

    public static bool SameWebhook(WebhookConfig a, WebhookConfig b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a with { SecretFiles = b.SecretFiles } == b && a.SecretFiles.SequenceEqual(b.SecretFiles, StringComparer.Ordinal);
    }
}
