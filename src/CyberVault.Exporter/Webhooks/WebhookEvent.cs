using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CyberVault.Exporter.Webhooks;

/// <summary>
/// A verified webhook body: <c>{"id": "evt_…", "type": "alert.created", "created_at": "…", "data": {…}}</c>
/// (api-notes: the reference leaves the body open, so only <c>type</c> is required; unknown fields are ignored).
/// </summary>
/// <param name="Id">The event id used to drop duplicate deliveries, or null when the body has none.</param>
/// <param name="Type">The event type as sent (it becomes a label only when it is one of <see cref="KnownTypes"/>).</param>
/// <param name="Alert">For alert.* events, what <c>data</c> says about the alert.</param>
internal sealed record WebhookEvent(string? Id, string Type, WebhookAlertData? Alert)
{
    public const string AlertCreated = "alert.created";
    public const string AlertResolved = "alert.resolved";
    public const string AssetVulnerable = "asset.vulnerable";
    public const string ComplianceFailed = "compliance.failed";

    /// <summary>The <c>event</c> label for anything else, and for every delivery before its signature is verified.</summary>
    public const string UnknownLabel = "unknown";

    /// <summary>An id longer than this is not an event id; the body is refused as malformed.</summary>
    public const int MaxIdLength = 256;

    public static readonly ImmutableArray<string> KnownTypes = [AlertCreated, AlertResolved, AssetVulnerable, ComplianceFailed];

    public bool IsKnown => KnownTypes.Contains(Type);

    /// <summary>The event label: the type when known, else <see cref="UnknownLabel"/>.</summary>
    public string Label => IsKnown ? Type : UnknownLabel;

    /// <summary>Parses a body whose signature was verified.</summary>
    /// <param name="typeLabel">The event label as far as the body could be read (for counting a malformed one).</param>
    /// <param name="problem">Why the body is malformed.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, out WebhookEvent? parsed, out string typeLabel, out string? problem)
    {
        parsed = null;
        typeLabel = UnknownLabel;
        WebhookEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body, WebhookJsonContext.Default.WebhookEnvelope);
        }
        catch (JsonException ex)
        {
            problem = $"not a JSON event object: {ex.Message}";
            return false;
        }

        if (envelope is null)
        {
            problem = "the body is JSON null, not an event object";
            return false;
        }

        if (string.IsNullOrEmpty(envelope.Type))
        {
            problem = "the event has no \"type\"";
            return false;
        }

        var type = envelope.Type;
        typeLabel = KnownTypes.Contains(type) ? type : UnknownLabel;
        if (envelope.Id is { } id && (id.Length == 0 || id.Length > MaxIdLength))
        {
            problem = $"the event \"id\" must be 1 to {MaxIdLength} characters";
            return false;
        }

        WebhookAlertData? alert = null;
        if (type is AlertCreated or AlertResolved)
        {
            if (envelope.Data is not { ValueKind: JsonValueKind.Object } data)
            {
                problem = $"a {type} event needs a \"data\" object";
                return false;
            }

            try
            {
                alert = data.Deserialize(WebhookJsonContext.Default.WebhookAlertData);
            }
            catch (JsonException ex)
            {
                problem = $"the alert in \"data\" is not readable: {ex.Message}";
                return false;
            }
        }

        parsed = new WebhookEvent(envelope.Id, type, alert);
        problem = null;
        return true;
    }
}

/// <summary>The alert fields of an alert.* event's <c>data</c>; any may be missing.</summary>
/// <param name="PreviousStatus">Not in the reference; if CyberVault says which status a resolved alert left, it is used.</param>
internal sealed record WebhookAlertData(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("severity")] string? Severity,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("previous_status")] string? PreviousStatus);

internal sealed record WebhookEnvelope(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("data")] JsonElement? Data);

[JsonSerializable(typeof(WebhookEnvelope))]
[JsonSerializable(typeof(WebhookAlertData))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
