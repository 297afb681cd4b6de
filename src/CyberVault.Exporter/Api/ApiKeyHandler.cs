using System.Net.Http.Headers;

namespace CyberVault.Exporter.Api;

/// <summary>
/// Attaches the target's key to each attempt. It sits directly above the socket handler, below every other
/// handler, so no logging handler (IHttpClientFactory's own trace-level header logging included) ever sees the
/// Authorization header, and a rotated key file is read before every attempt, retries included.
/// </summary>
internal sealed class ApiKeyHandler(ApiKeyProvider key) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.GetKey());
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A retry sends the same message through the handlers above again: left on it, the header would reach
            // their logging (whose structured state carries header values unredacted, only its text is redacted).
            request.Headers.Authorization = null;
        }
    }
}
