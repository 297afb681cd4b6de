using System.Runtime.InteropServices;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Web;
using CyberVault.Exporter.Web.Security;
using CyberVault.Exporter.Webhooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Hosting;

/// <summary>The answer to one reload: applied, or rejected with every problem (the running configuration stays).</summary>
internal sealed record ReloadOutcome(bool Applied, IReadOnlyList<string> Problems);

/// <summary>
/// The exporter-wide status with the outcome of the last (re)load, for the two reload metrics. A class of its own,
/// without dependencies: the metrics renderer reads it, and the reloader (which needs the pollers, which need the
/// renderer's request observer) writes it.
/// </summary>
internal sealed class ReloadStatusSource(TimeProvider time) : IExporterStatusSource
{
    // The configuration the process started with was loaded successfully, as Prometheus counts it.
    private volatile ExporterStatus _status = new(BuildInfo.Current, new ConfigReloadStatus(true, time.GetUtcNow()));

    public ExporterStatus Current() => _status;

    public void Succeeded(DateTimeOffset at) => _status = _status with { Reload = new ConfigReloadStatus(true, at) };

    public void Failed() => _status = _status with { Reload = _status.Reload! with { LastSucceeded = false } };
}

/// <summary>
/// Live reload (SIGHUP, <c>POST /-/reload</c>): reads the configuration again and, only when all of it is valid and
/// every new webhook secret is readable, brings the pollers, the webhook receivers and the target list in line with
/// it. A rejected file changes nothing; either way <see cref="ReloadStatusSource"/> records the outcome.
/// </summary>
internal sealed class ConfigReloader : IDisposable
{
    private readonly Func<ExporterConfig> _load;
    private readonly string _source;
    private readonly PollingService _polling;
    private readonly WebhookReceivers? _webhooks;
    private readonly ConfiguredTargets _targets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ReloadStatusSource _status;
    private readonly WebSecurity? _webSecurity;
    private ExporterConfig _running;

    /// <param name="load">Reads and validates the configuration; throws <see cref="ConfigException"/> when it is invalid.</param>
    /// <param name="source">What <paramref name="load"/> reads, for log lines (a file name, or "the demo configuration").</param>
    /// <param name="webSecurity">The <c>--web.config.file</c>, re-read with the configuration (both valid, or neither applied).</param>
    public ConfigReloader(
        ExporterConfig initial,
        Func<ExporterConfig> load,
        string source,
        PollingService polling,
        WebhookReceivers? webhooks,
        ConfiguredTargets targets,
        ReloadStatusSource status,
        TimeProvider time,
        ILogger<ConfigReloader> logger,
        WebSecurity? webSecurity = null)
    {
        _running = initial ?? throw new ArgumentNullException(nameof(initial));
        _load = load ?? throw new ArgumentNullException(nameof(load));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _polling = polling ?? throw new ArgumentNullException(nameof(polling));
        _webhooks = webhooks;
        _targets = targets ?? throw new ArgumentNullException(nameof(targets));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _status = status ?? throw new ArgumentNullException(nameof(status));
        _webSecurity = webSecurity;
    }

    public void Dispose() => _gate.Dispose();

    /// <param name="trigger">Why (SIGHUP, POST /-/reload), for the log line.</param>
    public async Task<ReloadOutcome> ReloadAsync(string trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ExporterConfig next;
            IReadOnlyDictionary<string, WebhookReceiver>? receivers;
            ActiveWebSecurity? web;
            try
            {
                next = _load();
                web = _webSecurity?.Prepare();
                receivers = _webhooks?.Prepare(next);
            }
            catch (ConfigException ex)
            {
                return Reject(trigger, [.. ex.Errors.Select(e => e.ToString())]);
            }
            catch (WebhookSecretsException ex)
            {
                return Reject(trigger, [ex.Message]);
            }

            var current = _running.Web.Endpoint;
            if (next.Web.Endpoint != current)
            {
                // Kestrel's bindings are fixed once it listens; moving them would drop scrapes in flight.
                Log.ListenAddressNeedsRestart(_logger, next.Web.Endpoint.ToString(), current.ToString());
            }

            await _polling.ApplyAsync(next, cancellationToken).ConfigureAwait(false);
            if (receivers is not null)
            {
                _webhooks!.Activate(receivers);
            }

            if (web is not null)
            {
                _webSecurity!.Activate(web, trigger);
            }

            _targets.Set([.. next.Targets.Select(t => t.Name)]);
            _running = next with { Web = _running.Web };
            _status.Succeeded(_time.GetUtcNow());
            Log.ConfigReloaded(_logger, _source, trigger, next.Targets.Count);
            return new ReloadOutcome(true, []);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ReloadOutcome Reject(string trigger, IReadOnlyList<string> problems)
    {
        _status.Failed();
        Log.ConfigReloadRejected(_logger, trigger, string.Join("; ", problems));
        return new ReloadOutcome(false, problems);
    }
}

/// <summary>Reloads the configuration on SIGHUP, as Prometheus and its exporters do.</summary>
internal sealed class ReloadOnSignal(ConfigReloader reloader, ILogger<ReloadOnSignal> logger) : IHostedService, IDisposable
{
    public const string Trigger = "SIGHUP";

    private PosixSignalRegistration? _registration;
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return Task.CompletedTask;
        }

        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Without this the runtime's default action for SIGHUP ends the process.
            context.Cancel = true;
            _ = ReloadAsync();
        });
        Log.ReloadSignalRegistered(logger);
        return Task.CompletedTask;
    }

    private async Task ReloadAsync()
    {
        try
        {
            // The reloader logs the outcome; a rejected file is not an error of the signal.
            await reloader.ReloadAsync(Trigger, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The host is stopping; the pollers are being stopped anyway.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _registration?.Dispose();
        _registration = null;
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _stopping.Dispose();
    }
}
