using CyberVault.Exporter.Metrics.PrometheusNet;
using Microsoft.AspNetCore.Http;

namespace CyberVault.Exporter.Web;

/// <summary>
/// Serialises scrapes so two concurrent ones never interleave a half-applied snapshot: prometheus-net runs the
/// render callback and then serialises the collectors without a lock spanning both. The output is buffered in
/// memory inside the gate (a few kilobytes per target), so a slow client holds the gate only for the in-memory
/// render, never for its own network reads.
/// </summary>
internal sealed class MetricsScrapeGate(PrometheusMetricsRenderer renderer) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RequestDelegate Wrap(RequestDelegate inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return async context =>
        {
            var response = context.Response;
            var original = response.Body;
            using var buffer = new MemoryStream();
            bool failed;
            await _gate.WaitAsync(context.RequestAborted);
            try
            {
                response.Body = buffer;
                await inner(context);
                failed = renderer.LastRenderFailed;
            }
            finally
            {
                response.Body = original;
                _gate.Release();
            }

            if (failed)
            {
                // A partly applied state would be wrong numbers; no answer is better. The log has the cause.
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync("rendering the metrics failed; see the exporter log\n", context.RequestAborted);
                return;
            }

            response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        };
    }

    public void Dispose() => _gate.Dispose();
}
