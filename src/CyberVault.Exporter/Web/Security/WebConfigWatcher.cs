using Microsoft.Extensions.Hosting;

namespace CyberVault.Exporter.Web.Security;

/// <summary>
/// Looks at the web configuration (and the certificate, key and CA files it names) every <see cref="Interval"/> and
/// reloads it when it changed: certificates renewed on disk (cert-manager, certbot) are served without a signal.
/// </summary>
internal sealed class WebConfigWatcher(WebSecurity security, TimeProvider time) : IHostedService, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => security.ReloadIfChanged(), null, Interval, Interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();
}
