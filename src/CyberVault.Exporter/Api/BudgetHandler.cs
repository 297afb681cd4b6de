using System.Globalization;
using System.Net;
using System.Security.Authentication;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CyberVault.Exporter.Api;

/// <summary>One attempt ran past its timeout (distinct from the caller cancelling).</summary>
internal sealed class ApiAttemptTimeoutException : TimeoutException
{
    public ApiAttemptTimeoutException()
    {
    }

    public ApiAttemptTimeoutException(string message)
        : base(message)
    {
    }

    public ApiAttemptTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Sits INSIDE the retry handler, so every attempt (retries included) first takes a budget permit. It also
/// enforces the per-attempt timeout (here rather than in the resilience pipeline so that time spent waiting
/// for budget is not counted against the attempt), feeds every response's rate-limit headers into the
/// budget, and reports every attempt's outcome.
/// </summary>
internal sealed class BudgetHandler(
    TargetRuntime runtime,
    IApiRequestObserver observer,
    TimeProvider time,
    TimeSpan attemptTimeout,
    ILogger? logger = null) : DelegatingHandler
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public static bool IsTlsFailure(HttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.HttpRequestError == HttpRequestError.SecureConnectionError
            || exception.InnerException is AuthenticationException;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = request.Options.TryGetValue(ApiRequestOptions.Endpoint, out var e) ? e : "unknown";
        var priority = request.Options.TryGetValue(ApiRequestOptions.Priority, out var p) ? p : RequestPriority.Page;

        await runtime.Budget.AcquireAsync(priority, cancellationToken).ConfigureAwait(false);

        var started = time.GetTimestamp();
        using var attempt = new CancellationTokenSource(attemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our attempt timeout, or SocketsHttpHandler's ConnectTimeout.
            Record(endpoint, "timeout", started);
            throw new ApiAttemptTimeoutException($"{endpoint} request timed out", ex);
        }
        catch (HttpRequestException ex)
        {
            Record(endpoint, IsTlsFailure(ex) ? "tls" : "network", started);
            throw;
        }

        var code = (int)response.StatusCode;
        Record(endpoint, code.ToString(CultureInfo.InvariantCulture), started);
        var now = time.GetUtcNow();
        var sample = RateLimitHeaders.Parse(response.Headers, now);
        DateTimeOffset? until = response.StatusCode == HttpStatusCode.TooManyRequests ? RateLimitHeaders.RetryUntil(response.Headers, now) : null;
        runtime.Budget.OnResponse(sample, until);
        return response;
    }

    private void Record(string endpoint, string code, long started)
    {
        var duration = time.GetElapsedTime(started);
        runtime.Requests.Increment((endpoint, code));
        observer.Observe(runtime.Name, endpoint, code, duration);
        Log.ApiAttempt(_logger, runtime.Name, endpoint, code, duration.TotalMilliseconds);
    }
}
