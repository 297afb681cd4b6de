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
    [JsonConverter(typeof(BoundedAlertListConverter))]
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
[JsonSerializable(typeof(AlertItem))]
internal sealed partial class CyberVaultJsonContext : JsonSerializerContext;

/// <summary>
/// Reads <c>data</c> but stops at <see cref="MaxItems"/>: no request asks for more (page_size is at most that), and
/// a page of millions of tiny items would otherwise become millions of objects from a body within the size bound.
/// </summary>
internal sealed class BoundedAlertListConverter : JsonConverter<List<AlertItem>>
{
    public const int MaxItems = Configuration.PollingConfig.MaxPageSize;

    public override List<AlertItem>? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != System.Text.Json.JsonTokenType.StartArray)
        {
            throw new System.Text.Json.JsonException("data is not an array");
        }

        var items = new List<AlertItem>();
        while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
        {
            if (items.Count == MaxItems)
            {
                throw new PageTooLongException(MaxItems);
            }

            try
            {
                items.Add(System.Text.Json.JsonSerializer.Deserialize(ref reader, CyberVaultJsonContext.Default.AlertItem)!);
            }
            catch (System.Text.Json.JsonException ex)
            {
                // The item's own path starts at the item ($.id): the error must name data[i].id.
                throw new BadAlertItemException(items.Count, ex.Path, ex);
            }
        }

        return items;
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, List<AlertItem> value, System.Text.Json.JsonSerializerOptions options) =>
        throw new NotSupportedException("Alert pages are only read.");
}

/// <summary>A page with more items than any request asks for.</summary>
internal sealed class PageTooLongException : System.Text.Json.JsonException
{
    public PageTooLongException()
    {
    }

    public PageTooLongException(int max)
        : base($"more than {max} items")
    {
        Max = max;
    }

    public PageTooLongException(string message)
        : base(message)
    {
    }

    public PageTooLongException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Max { get; }
}

/// <summary>An item of <c>data</c> that cannot be read; <see cref="ItemPath"/> is relative to the item ($.id).</summary>
internal sealed class BadAlertItemException : System.Text.Json.JsonException
{
    public BadAlertItemException()
    {
    }

    public BadAlertItemException(int index, string? itemPath, Exception innerException)
        : base($"data[{index}] is not valid", innerException)
    {
        Index = index;
        ItemPath = itemPath;
    }

    public BadAlertItemException(string message)
        : base(message)
    {
    }

    public BadAlertItemException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Index { get; }

    public string? ItemPath { get; }
}
