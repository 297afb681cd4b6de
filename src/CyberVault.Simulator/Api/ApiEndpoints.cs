using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace CyberVault.Simulator;

/// <summary>The documented /v2 endpoints. Authentication, rate limits and faults run before them (<see cref="ApiPipeline"/>).</summary>
internal sealed class ApiEndpoints(SimulatedWorld world, AlertCursorCodec cursors)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxBatch = 100;
    private const long MaxBodyBytes = 1024 * 1024;

    internal const string RepeatCursorItem = "cv.repeat_cursor";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/status", GetStatusAsync);
        app.MapGet("/v2/alerts", ListAlertsAsync);
        app.MapPost("/v2/alerts", CreateAlertAsync);
        app.MapPost("/v2/alerts/batch", CreateBatchAsync);
    }

    private Task GetStatusAsync(HttpContext context) => ApiResponses.WriteJsonAsync(
        context,
        StatusCodes.Status200OK,
        new StatusResponse(world.SystemStatus, world.ThreatLevel, world.ActiveAlerts, SimulatedWorld.FormatTime(world.LastScan), world.Region),
        SimulatorJson.Default.StatusResponse);

    private Task ListAlertsAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        if (!TryEnum(query, "severity", Vocabulary.Severities, out string? severity, out string? error)
            || !TryEnum(query, "status", Vocabulary.AlertStatuses, out string? status, out error))
        {
            return ApiResponses.BadRequestAsync(context, error!.Split(' ')[0], error);
        }

        int limit = DefaultLimit;
        if (query.TryGetValue("limit", out StringValues limitValues))
        {
            if (limitValues.Count != 1
                || !int.TryParse(limitValues[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > MaxLimit)
            {
                return ApiResponses.BadRequestAsync(context, "limit", $"limit must be an integer from 1 to {MaxLimit}.");
            }
        }

        AlertPosition? after = null;
        string? givenCursor = null;
        if (query.TryGetValue("after", out StringValues afterValues))
        {
            givenCursor = afterValues.Count == 1 ? afterValues[0] : null;
            if (givenCursor is null || !cursors.TryDecode(givenCursor, out AlertPosition position))
            {
                return ApiResponses.BadRequestAsync(context, "after", "after is not a cursor this API issued (use next_cursor from a previous page).");
            }
            after = position;
        }

        // One extra row makes has_more exact: n alerts at page size p cost max(1, ceil(n/p)) requests.
        List<Alert> rows = world.Page(severity, status, after, limit + 1);
        bool hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        string? next = hasMore ? cursors.Encode(new AlertPosition(rows[^1].CreatedAt.UtcTicks, rows[^1].Id)) : null;
        if (context.Items.ContainsKey(RepeatCursorItem))
        {
            next = givenCursor ?? cursors.Encode(AlertPosition.Top);
            hasMore = true;
        }
        var response = new AlertListResponse([.. rows.Select(AlertDto.From)], next, hasMore);
        return ApiResponses.WriteJsonAsync(context, StatusCodes.Status200OK, response, SimulatorJson.Default.AlertListResponse);
    }

    private async Task CreateAlertAsync(HttpContext context)
    {
        using JsonDocument? document = await ReadBodyAsync(context).ConfigureAwait(false);
        if (document is null)
        {
            return;
        }
        if (!TryParseAlert(document.RootElement, string.Empty, out var parsed, out string? field, out string? message))
        {
            await ApiResponses.BadRequestAsync(context, field!, message!).ConfigureAwait(false);
            return;
        }
        (Alert alert, bool created) = world.CreateOrFold(parsed.Severity, parsed.Type, parsed.AssetId);
        await ApiResponses.WriteJsonAsync(
            context,
            created ? StatusCodes.Status201Created : StatusCodes.Status200OK,
            AlertDto.From(alert),
            SimulatorJson.Default.AlertDto).ConfigureAwait(false);
    }

    private async Task CreateBatchAsync(HttpContext context)
    {
        using JsonDocument? document = await ReadBodyAsync(context).ConfigureAwait(false);
        if (document is null)
        {
            return;
        }
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("alerts", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
        {
            await ApiResponses.BadRequestAsync(context, "alerts", "The body must be an object with an \"alerts\" array.").ConfigureAwait(false);
            return;
        }
        int count = items.GetArrayLength();
        if (count is < 1 or > MaxBatch)
        {
            await ApiResponses.BadRequestAsync(context, "alerts", $"alerts must hold 1 to {MaxBatch} items (got {count}).").ConfigureAwait(false);
            return;
        }
        var results = new List<BatchItemResult>(count);
        int index = 0;
        foreach (JsonElement item in items.EnumerateArray())
        {
            string prefix = $"alerts[{index}].";
            if (TryParseAlert(item, prefix, out var parsed, out string? field, out string? message))
            {
                (Alert alert, bool created) = world.CreateOrFold(parsed.Severity, parsed.Type, parsed.AssetId);
                results.Add(new BatchItemResult(index, created ? 201 : 200, AlertDto.From(alert), created ? null : true, null));
            }
            else
            {
                results.Add(new BatchItemResult(index, 400, null, null, new ErrorBody("invalid_request", message!, field)));
            }
            index++;
        }
        await ApiResponses.WriteJsonAsync(context, StatusCodes.Status200OK, new BatchResponse(results), SimulatorJson.Default.BatchResponse)
            .ConfigureAwait(false);
    }

    /// <summary>Reads and parses a JSON body, answering 400/413/415 itself and returning null when it did.</summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpContext context)
    {
        string? contentType = context.Request.ContentType;
        if (contentType is not null && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "The body must be application/json.")
                .ConfigureAwait(false);
            return null;
        }
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The body must be at most 1 MiB.")
                .ConfigureAwait(false);
            return null;
        }
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                await ApiResponses.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The body must be at most 1 MiB.")
                    .ConfigureAwait(false);
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            await ApiResponses.BadRequestAsync(context, "body", $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).")
                .ConfigureAwait(false);
            return null;
        }
    }

    private static bool TryParseAlert(
        JsonElement element,
        string prefix,
        out (string Type, string AssetId, string Severity) parsed,
        out string? field,
        out string? message)
    {
        parsed = default;
        field = null;
        message = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            field = prefix.Length == 0 ? "body" : prefix.TrimEnd('.');
            message = $"{field} must be a JSON object.";
            return false;
        }
        if (!TryRequiredString(element, "type", prefix, out string? type, ref field, ref message))
        {
            return false;
        }
        if (!Vocabulary.IsCreatableType(type))
        {
            field = prefix + "type";
            message = $"{field} must be one of {string.Join(", ", Vocabulary.CreatableTypes)}.";
            return false;
        }
        if (!TryRequiredString(element, "asset_id", prefix, out string? assetId, ref field, ref message))
        {
            return false;
        }
        if (string.IsNullOrWhiteSpace(assetId) || assetId.Length > 200)
        {
            field = prefix + "asset_id";
            message = $"{field} must be a non-empty string of at most 200 characters.";
            return false;
        }
        if (!TryRequiredString(element, "severity", prefix, out string? severity, ref field, ref message))
        {
            return false;
        }
        if (!Vocabulary.IsSeverity(severity))
        {
            field = prefix + "severity";
            message = $"{field} must be one of {string.Join(", ", Vocabulary.Severities)}.";
            return false;
        }
        // payload is validated (an object) but not stored: the alert object the API returns has no such field.
        if (element.TryGetProperty("payload", out JsonElement payload) && payload.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            field = prefix + "payload";
            message = $"{field} must be a JSON object when given.";
            return false;
        }
        parsed = (type!, assetId, severity!);
        return true;
    }

    private static bool TryRequiredString(JsonElement element, string name, string prefix, out string? value, ref string? field, ref string? message)
    {
        value = null;
        if (!element.TryGetProperty(name, out JsonElement property) || property.ValueKind == JsonValueKind.Null)
        {
            field = prefix + name;
            message = $"{field} is required.";
            return false;
        }
        if (property.ValueKind != JsonValueKind.String)
        {
            field = prefix + name;
            message = $"{field} must be a string.";
            return false;
        }
        value = property.GetString();
        return true;
    }

    private static bool TryEnum(IQueryCollection query, string name, string[] allowed, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out StringValues values))
        {
            return true;
        }
        if (values.Count != 1 || Array.IndexOf(allowed, values[0]) < 0)
        {
            error = $"{name} must be one of {string.Join(", ", allowed)} (given once).";
            return false;
        }
        value = values[0];
        return true;
    }
}
