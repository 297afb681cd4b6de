using System.Net.Http.Headers;

namespace CyberVault.Exporter.Api;

/// <summary>
/// Attaches the target's key to each attempt. It sits directly above the socket handler, below every other
/// handler, so no logging handler (IHttpClientFactory's own trace-level header logging included) ever sees the
/// Authorization header, and a rotated key file is read before every attempt, retries included.
/// </summary>
internal sealed class ApiKeyHandler(ApiKeyProvider key) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.GetKey());
        return base.SendAsync(request, cancellationToken);
    }
}
