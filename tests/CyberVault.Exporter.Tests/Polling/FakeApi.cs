using System.Collections.Concurrent;
using CyberVault.Exporter.Api;

namespace CyberVault.Exporter.Tests.Polling;

/// <summary>A scripted API: pages per (status, cursor), and a status answer.</summary>
internal sealed class FakeApi : ICyberVaultApi
{
    public ConcurrentQueue<(string Status, string? Cursor)> PageRequests { get; } = new();

    public Func<string, string?, ApiResult<AlertsPage>> Page { get; set; } = (_, _) => ApiResult<AlertsPage>.Success(new AlertsPage { Data = [], HasMore = false }, null);

    public Func<ApiResult<StatusResponse>> Status { get; set; } = () => ApiResult<StatusResponse>.Success(
        new StatusResponse { Status = "operational", ThreatLevel = 3, ActiveAlerts = 5, Region = "us-east-1" }, null);

    public int StatusCalls;

    public static AlertItem Alert(string severity, string status) => new() { Id = Guid.NewGuid().ToString("N"), Severity = severity, Status = status };

    public static ApiResult<AlertsPage> Ok(string? next, params AlertItem[] items) =>
        ApiResult<AlertsPage>.Success(new AlertsPage { Data = [.. items], NextCursor = next, HasMore = next is not null }, null);

    public Task<ApiResult<StatusResponse>> GetStatusAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref StatusCalls);
        return Task.FromResult(Status());
    }

    public Task<ApiResult<AlertsPage>> GetAlertsPageAsync(string status, int limit, string? cursor, CancellationToken cancellationToken)
    {
        PageRequests.Enqueue((status, cursor));
        return Task.FromResult(Page(status, cursor));
    }
}
