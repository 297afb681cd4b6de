using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace CyberVault.Exporter.Api;

/// <summary>
/// Builds the handler chain of one target: ResilienceHandler (total timeout → retry) → <see cref="BudgetHandler"/>
/// (permit, attempt timeout, headers) → <see cref="ApiKeyHandler"/> (Authorization) → the primary handler. Used by the IHttpClientFactory named clients and,
/// with a different primary handler, directly by tests and the benchmark.
/// </summary>
internal static class CyberVaultHttp
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bounds a whole call, retries and budget waits included. Generous on purpose: a legitimate Retry-After or a
    /// pacing wait until X-RateLimit-Reset can last up to a minute.
    /// </summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromMinutes(3);

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>DNS failover to another region must be picked up: no connection lives longer than this.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(2);

    public const int MaxRetryAttempts = 2;

    private static readonly string UserAgentVersion = typeof(CyberVaultHttp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>Retries 5xx, network errors and attempt timeouts only: never a 429, a redirect, a 401 or a TLS failure.</summary>
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: ApiAttemptTimeoutException } => true,
        { Exception: HttpRequestException ex } => !BudgetHandler.IsTlsFailure(ex),
        { Result: { } response } => (int)response.StatusCode >= 500,
        _ => false,
    };

    public static ResiliencePipeline<HttpResponseMessage> CreateResiliencePipeline(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = TotalTimeout })
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = RetryBaseDelay,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
            })
            .Build();
    }

    /// <summary>The production primary handler: no redirects, bounded connection lifetime, optional extra CA.</summary>
    public static SocketsHttpHandler CreatePrimaryHandler(TargetConfig target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = ConnectTimeout,
            UseCookies = false,
            UseProxy = false,
        };
        if (target.TlsCaFile is { } caFile)
        {
            var roots = LoadCaFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, certificate, chain, errors) => ValidateWithExtraRoots(certificate, chain, errors, roots);
        }

        return handler;
    }

    /// <summary>The chain for <paramref name="runtime"/> over any primary handler (tests pass one trusting the simulator CA).</summary>
    public static HttpMessageHandler CreateHandlerChain(
        TargetRuntime runtime, IApiRequestObserver observer, TimeProvider time, HttpMessageHandler primary, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return new ResilienceHandler(CreateResiliencePipeline(time))
        {
            InnerHandler = new BudgetHandler(runtime, observer, time, AttemptTimeout, logger)
            {
                InnerHandler = new ApiKeyHandler(runtime.Key) { InnerHandler = primary },
            },
        };
    }

    public static HttpClient CreateHttpClient(HttpMessageHandler chain)
    {
        var client = new HttpClient(chain, disposeHandler: true)
        {
            // Timeouts are the pipeline's; HttpClient's own 100 s default would cut legitimate budget waits.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("cybervault-exporter", UserAgentVersion));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public static X509Certificate2Collection LoadCaFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"tls.ca_file {path} cannot be loaded as PEM certificates: {ex.Message}", ex);
        }

        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"tls.ca_file {path} contains no PEM certificate");
        }

        return roots;
    }

    /// <summary>
    /// The system store's verdict stands when it accepts the chain or when anything but the chain is wrong (a name
    /// mismatch stays fatal). Only a chain the system store rejects is rebuilt with the configured CA as the sole
    /// extra root.
    /// </summary>
    public static bool ValidateWithExtraRoots(
        X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // Private CAs rarely publish a revocation endpoint reachable from the exporter.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, leaf))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        return chain.Build(leaf);
    }
}
