using System.Text.Json.Serialization;

namespace CyberVault.Exporter.Api;

// Wire models of the CyberVault API v2. Every property is nullable so that a missing field is reported by
// ResponseValidator as a MalformedResponse naming that field, rather than surfacing as a default value.
// Unknown fields are ignored (System.Text.Json's default), as api-notes asks.

/// <summary>GET /v2/status.</summary>
internal sealed class StatusResponse
{
    public string? Status { get; set; }

    public int? ThreatLevel { get; set; }

    public long? ActiveAlerts { get; set; }

    public DateTimeOffset? LastScan { get; set; }

    public string? Region { get; set; }
}

/// <summary>One page of GET /v2/alerts.</summary>
internal sealed class AlertsPage
{
    public List<AlertItem>? Data { get; set; }

    public string? NextCursor { get; set; }

    public bool? HasMore { get; set; }
}

internal sealed class AlertItem
{
    public string? Id { get; set; }

    public string? Severity { get; set; }

    public string? Status { get; set; }

    public string? Type { get; set; }

    public string? AssetId { get; set; }

    public DateTimeOffset? CreatedAt { get; set; }
}

/// <summary>Source-generated (no reflection: Native AOT later), snake_case, depth-bounded.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    MaxDepth = ResponseReader.MaxDepth,
    GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(AlertsPage))]
internal sealed partial class CyberVaultJsonContext : JsonSerializerContext;
