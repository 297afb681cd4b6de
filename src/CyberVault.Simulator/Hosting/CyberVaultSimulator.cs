using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

/// <summary>
/// A running simulator of the CyberVault Monitoring API v2: HTTPS on loopback with an in-memory CA, a
/// plain-HTTP listener that only redirects, and handles on the world, faults, rate limits, request log
/// and webhooks for tests. Start with <see cref="StartAsync"/>, stop by disposing.
/// </summary>
public sealed class CyberVaultSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SimulatorCertificates _certificates;
    private readonly CancellationTokenSource _stopping;
    private readonly Task _liveLoop;
    private int _disposed;

    private CyberVaultSimulator(
        WebApplication app,
        SimulatorCertificates certificates,
        CancellationTokenSource stopping,
        Task liveLoop,
        Uri baseUrl,
        Uri? plainHttpUrl,
        string? generatedKey,
        Parts parts)
    {
        _app = app;
        _certificates = certificates;
        _stopping = stopping;
        _liveLoop = liveLoop;
        BaseUrl = baseUrl;
        PlainHttpUrl = plainHttpUrl;
        GeneratedKey = generatedKey;
        World = parts.World;
        Faults = parts.Faults;
        Requests = parts.Requests;
        RateLimits = parts.RateLimits;
        Webhooks = parts.Webhooks;
    }

    /// <summary>https://127.0.0.1:{port}/v2, without a trailing slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>http://127.0.0.1:{port}, or null when the plain listener is off (HttpPort = -1).</summary>
    public Uri? PlainHttpUrl { get; }

    /// <summary>The CA that signed the server certificate, PEM-encoded.</summary>
    public string CaCertificatePem => _certificates.CaPem;

    /// <summary>The CA, public part only, for clients' trust (see <see cref="SimulatorTrust.CreateHandler"/>).</summary>
    public X509Certificate2 CaCertificate => _certificates.CaCertificate;

    /// <summary>The Starter-tier key generated at start when <see cref="SimulatorOptions.Keys"/> was empty.</summary>
    public string? GeneratedKey { get; }

    public SimulatedWorld World { get; }
    public FaultInjector Faults { get; }
    public RequestLog Requests { get; }
    public RateLimitRegistry RateLimits { get; }
    public WebhookDispatcher Webhooks { get; }

    public static async Task<CyberVaultSimulator> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentNullException.ThrowIfNull(options.Scenario);
        IPAddress address = ParseAddress(options.ListenAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(options.HttpsPort, nameof(options.HttpsPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.HttpsPort, 65535, nameof(options.HttpsPort));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HttpPort, -1, nameof(options.HttpPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.HttpPort, 65535, nameof(options.HttpPort));

        List<SimulatedApiKey> keys = [.. options.Keys];
        string? generatedKey = null;
        if (keys.Count == 0)
        {
            generatedKey = "cv_sim_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
            keys.Add(new SimulatedApiKey(generatedKey, SimulatedTier.Starter));
        }

        SimulatorCertificates certificates = SimulatorCertificates.Create();
        var stopping = new CancellationTokenSource();
        WebApplication? app = null;
        WebhookDispatcher? webhooks = null;
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = [],
                ApplicationName = typeof(CyberVaultSimulator).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
                // Never the developer exception page (it would show stack traces to clients).
                EnvironmentName = "Production",
            });
            // Hosted inside another app (the exporter's demo mode), the simulator must not pick up that app's
            // appsettings.json or ASPNETCORE_* settings (e.g. Kestrel endpoints): everything comes from options.
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            options.ConfigureLogging?.Invoke(builder.Logging);
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Listen(address, options.HttpsPort, listen => listen.UseHttps(certificates.ServerCertificate));
                if (options.HttpPort >= 0)
                {
                    kestrel.Listen(address, options.HttpPort);
                }
            });
            app = builder.Build();

            ILoggerFactory loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
            ILogger logger = loggerFactory.CreateLogger("CyberVault.Simulator");
            TimeProvider time = options.TimeProvider;
            webhooks = new WebhookDispatcher(time, loggerFactory.CreateLogger("CyberVault.Simulator.Webhooks"));
            foreach (WebhookSubscription subscription in options.Webhooks)
            {
                webhooks.Subscribe(subscription);
            }
            var parts = new Parts(
                new SimulatedWorld(options.Scenario, time, webhooks),
                new FaultInjector(),
                new RequestLog(),
                new RateLimitRegistry(keys, time),
                webhooks);

            Uri? httpsOrigin = null;
            var pipeline = new ApiPipeline(parts.RateLimits, parts.Faults, parts.Requests, time, logger,
                () => httpsOrigin ?? throw new InvalidOperationException("The simulator has not started."), options.EnableControlEndpoint,
                app.Lifetime.ApplicationStopping);
            app.Use(pipeline.InvokeAsync);
            new ApiEndpoints(parts.World, new AlertCursorCodec()).Map(app);
            if (options.EnableControlEndpoint)
            {
                new ControlEndpoints(parts, keys).Map(app);
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            (Uri https, Uri? plain) = BoundAddresses(app, address);
            httpsOrigin = https;
            var baseUrl = new Uri(https, "/v2");
            Task liveLoop = options.Scenario.Live
                ? RunLiveAsync(parts.World, time, options.Scenario.LiveTickInterval, logger, stopping.Token)
                : Task.CompletedTask;
            string plainText = plain?.ToString() ?? "none";
            Log.Started(logger, baseUrl, plainText);
            return new CyberVaultSimulator(app, certificates, stopping, liveLoop, baseUrl, plain, generatedKey, parts);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            if (webhooks is not null)
            {
                await webhooks.DisposeAsync().ConfigureAwait(false);
            }
            certificates.Dispose();
            stopping.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _liveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the loop ends by cancellation.
        }
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        await Webhooks.DisposeAsync().ConfigureAwait(false);
        _certificates.Dispose();
        _stopping.Dispose();
    }

    private static async Task RunLiveAsync(SimulatedWorld world, TimeProvider time, TimeSpan interval, ILogger logger, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                world.Tick();
            }
#pragma warning disable CA1031 // One bad tick must not stop the live world; it is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.TickFailed(logger, ex);
            }
        }
    }

    private static (Uri Https, Uri? Plain) BoundAddresses(WebApplication app, IPAddress address)
    {
        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        string host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        Uri? https = null, plain = null;
        foreach (string bound in addresses)
        {
            var uri = new Uri(bound);
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                https = new Uri($"https://{host}:{uri.Port}");
            }
            else
            {
                plain = new Uri($"http://{host}:{uri.Port}");
            }
        }
        return (https ?? throw new InvalidOperationException("Kestrel reported no HTTPS address."), plain);
    }

    private static IPAddress ParseAddress(string listenAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listenAddress);
        if (listenAddress.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }
        return IPAddress.TryParse(listenAddress, out IPAddress? parsed)
            ? parsed
            : throw new ArgumentException($"ListenAddress must be an IP address (got \"{listenAddress}\").", nameof(listenAddress));
    }

    internal sealed record Parts(SimulatedWorld World, FaultInjector Faults, RequestLog Requests, RateLimitRegistry RateLimits, WebhookDispatcher Webhooks);
}
