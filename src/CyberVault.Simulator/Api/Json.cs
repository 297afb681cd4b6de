using System.Text.Json.Serialization;

namespace CyberVault.Simulator;

internal sealed record StatusResponse(string Status, int ThreatLevel, int ActiveAlerts, string LastScan, string Region);

internal sealed record AlertDto(string Id, string Severity, string Type, string AssetId, string CreatedAt, string Status)
{
    public static AlertDto From(Alert a) => new(a.Id, a.Severity, a.Type, a.AssetId, SimulatedWorld.FormatTime(a.CreatedAt), a.Status);
}

internal sealed record AlertListResponse(IReadOnlyList<AlertDto> Data, string? NextCursor, bool HasMore);

internal sealed record ErrorBody(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

internal sealed record ErrorResponse(ErrorBody Error);

internal sealed record BatchItemResult(
    int Index,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AlertDto? Alert,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Deduplicated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ErrorBody? Error);

internal sealed record BatchResponse(IReadOnlyList<BatchItemResult> Results);

internal sealed record AssetVulnerableData(string AssetId, string VulnerabilityId, string Severity, string DetectedAt);

internal sealed record ComplianceFailedData(string CheckId, string Framework, string AssetId, string FailedAt);

internal sealed record ControlState(
    string Status,
    int ThreatLevel,
    int ActiveAlerts,
    int TotalAlerts,
    int QueuedFaults,
    int PendingWebhookDeliveries);

/// <summary>Source-generated (reflection-free) JSON for every body the simulator writes; snake_case like the API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(AlertDto))]
[JsonSerializable(typeof(AlertListResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(AssetVulnerableData))]
[JsonSerializable(typeof(ComplianceFailedData))]
[JsonSerializable(typeof(ControlState))]
[JsonSerializable(typeof(IReadOnlyList<RequestRecord>))]
[JsonSerializable(typeof(IReadOnlyList<WebhookDelivery>))]
[JsonSerializable(typeof(RateLimitState))]
internal sealed partial class SimulatorJson : JsonSerializerContext;
