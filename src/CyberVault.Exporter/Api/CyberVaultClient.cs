using System.Globalization;
using System.Net;
using System.Text;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Metrics;
using Polly.Timeout;

namespace CyberVault.Exporter.Api;

/// <summary>The two calls the poller makes; a seam for unit tests of the sweeper and poller.</summary>
internal interface ICyberVaultApi
{
    Task<ApiResult<StatusResponse>> GetStatusAsync(CancellationToken cancellationToken);

    Task<ApiResult<AlertsPage>> GetAlertsPageAsync(string status, int limit, string? cursor, CancellationToken cancellationToken);
}

/// <summary>
/// Typed client of one target. The key goes only into the Authorization header of each attempt, added by
/// <see cref="ApiKeyHandler"/> right above the socket handler (re-read from its source every time, so a rotated key
/// is picked up); it is never part of a URL, a result or a message.
/// </summary>
internal sealed class CyberVaultClient : ICyberVaultApi
{
    private readonly HttpClient _http;
    private readonly TargetRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly string _base;

    public CyberVaultClient(HttpClient http, TargetRuntime runtime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(runtime);
        _http = http;
        _runtime = runtime;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        var baseUrl = runtime.Config.BaseUrl;
        if (baseUrl.Scheme != Uri.UriSchemeHttps && !(baseUrl.Scheme == Uri.UriSchemeHttp && runtime.Config.AllowInsecureHttp && baseUrl.IsLoopback))
        {
            // The config loader refuses this too; the engine does not rely on it, since the key would travel in clear.
            throw new InvalidOperationException(
                $"target {runtime.Name}: base_url {baseUrl.GetLeftPart(UriPartial.Path)} must be https:// (http:// only for 127.0.0.1/localhost with allow_insecure_http)");
        }

        _base = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    public Task<ApiResult<StatusResponse>> GetStatusAsync(CancellationToken cancellationToken) =>
        SendAsync(
            new Uri(_base + "/status"),
            ApiRequestOptions.StatusEndpoint,
            RequestPriority.Status,
            CyberVaultJsonContext.Default.StatusResponse,
            ResponseReader.Validate,
            cancellationToken);

    public Task<ApiResult<AlertsPage>> GetAlertsPageAsync(string status, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(status);
        var query = new StringBuilder(_base).Append("/alerts?status=").Append(Uri.EscapeDataString(status))
            .Append("&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(cursor))
        {
            query.Append("&after=").Append(Uri.EscapeDataString(cursor));
        }

        return SendAsync(
            new Uri(query.ToString()),
            ApiRequestOptions.AlertsEndpoint,
            RequestPriority.Page,
            CyberVaultJsonContext.Default.AlertsPage,
            page => ResponseReader.Validate(page, limit),
            cancellationToken);
    }

    /// <summary>A Location header without its query string or user info (either could carry secrets).</summary>
    public static string ScrubLocation(Uri? location, Uri requestUri)
    {
        if (location is null)
        {
            return "(no Location header)";
        }

        var absolute = location.IsAbsoluteUri ? location : new Uri(requestUri, location);
        return absolute.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    private async Task<ApiResult<T>> SendAsync<T>(
        Uri uri,
        string endpoint,
        RequestPriority priority,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo,
        Func<T, string?> validate,
        CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            // Checked here so that an unreadable key costs no budget; ApiKeyHandler attaches it per attempt.
            _runtime.Key.GetKey();
        }
        catch (ApiKeyUnavailableException ex)
        {
            return ApiResult<T>.Failed(new ApiFailure.KeyUnavailable(ex.Message));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Options.Set(ApiRequestOptions.Endpoint, endpoint);
        request.Options.Set(ApiRequestOptions.Priority, priority);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ApiKeyUnavailableException ex)
        {
            return ApiResult<T>.Failed(new ApiFailure.KeyUnavailable(ex.Message));
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or TimeoutException or OperationCanceledException)
        {
            return ApiResult<T>.Failed(new ApiFailure.Timeout());
        }
        catch (HttpRequestException ex) when (BudgetHandler.IsTlsFailure(ex))
        {
            return ApiResult<T>.Failed(new ApiFailure.Tls(ex.InnerException?.Message ?? ex.Message));
        }
        catch (HttpRequestException ex)
        {
            return ApiResult<T>.Failed(new ApiFailure.Network(ex.HttpRequestError + ": " + ex.Message));
        }

        using (response)
        {
            var now = _time.GetUtcNow();
            var rateLimit = RateLimitHeaders.Parse(response.Headers, now);
            var code = (int)response.StatusCode;
            if (code is >= 300 and < 400)
            {
                return ApiResult<T>.Failed(new ApiFailure.Redirected(code, ScrubLocation(response.Headers.Location, uri)), rateLimit);
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return ApiResult<T>.Failed(new ApiFailure.Unauthorized(code), rateLimit);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return ApiResult<T>.Failed(new ApiFailure.RateLimited(RateLimitHeaders.RetryUntil(response.Headers, now)), rateLimit);
            }

            if (code >= 500)
            {
                return ApiResult<T>.Failed(new ApiFailure.ServerError(code), rateLimit);
            }

            if (code != 200)
            {
                return ApiResult<T>.Failed(new ApiFailure.UnexpectedStatus(code), rateLimit);
            }

            if (response.Content.Headers.ContentLength is > ResponseReader.MaxBodyBytes)
            {
                return ApiResult<T>.Failed(new ApiFailure.Malformed($"the body is larger than {ResponseReader.MaxBodyBytes} bytes"), rateLimit);
            }

            // The attempt timeout ended with the headers; the body read gets its own bound.
            using var bodyTimeout = new CancellationTokenSource(CyberVaultHttp.AttemptTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bodyTimeout.Token);
            try
            {
                var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
                var (value, error) = await ResponseReader.ReadAsync(body, typeInfo, ResponseReader.MaxBodyBytes, linked.Token).ConfigureAwait(false);
                error ??= validate(value!);
                return error is null
                    ? ApiResult<T>.Success(value!, rateLimit)
                    : ApiResult<T>.Failed(new ApiFailure.Malformed(error), rateLimit);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return ApiResult<T>.Failed(new ApiFailure.Timeout(), rateLimit);
            }
            catch (HttpRequestException ex)
            {
                return ApiResult<T>.Failed(new ApiFailure.Network(ex.HttpRequestError + ": " + ex.Message), rateLimit);
            }
            catch (IOException ex)
            {
                return ApiResult<T>.Failed(new ApiFailure.Network("reading the body: " + ex.Message), rateLimit);
            }
        }
    }
}
