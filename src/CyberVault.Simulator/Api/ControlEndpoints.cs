using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CyberVault.Simulator;

/// <summary>
/// <c>/_control/*</c>: drives a standalone simulator from curl or another process (no auth; loopback
/// callers only; not rate limited and not in the request log). In-process users call the objects directly.
/// </summary>
internal sealed class ControlEndpoints(CyberVaultSimulator.Parts parts, IReadOnlyList<SimulatedApiKey> keys)
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/_control/state", StateAsync);
        app.MapPost("/_control/faults", Guard(EnqueueFaultAsync));
        app.MapDelete("/_control/faults", context =>
        {
            parts.Faults.Clear();
            return StateAsync(context);
        });
        app.MapPost("/_control/world", Guard(SetWorldAsync));
        app.MapPost("/_control/alerts", Guard(AddAlertAsync));
        app.MapPost("/_control/alerts/{id}/resolve", ResolveAsync);
        app.MapPost("/_control/events", Guard(RaiseEventAsync));
        app.MapGet("/_control/requests", context =>
            ApiResponses.WriteJsonAsync(context, 200, parts.Requests.Snapshot(), SimulatorJson.Default.IReadOnlyListRequestRecord));
        app.MapDelete("/_control/requests", context =>
        {
            parts.Requests.Clear();
            return StateAsync(context);
        });
        app.MapGet("/_control/webhooks", context =>
            ApiResponses.WriteJsonAsync(context, 200, parts.Webhooks.Deliveries(), SimulatorJson.Default.IReadOnlyListWebhookDelivery));
        app.MapPost("/_control/webhooks", Guard(SubscribeAsync));
        app.MapPost("/_control/spend", Guard(SpendAsync));
    }

    private Task StateAsync(HttpContext context) => ApiResponses.WriteJsonAsync(
        context,
        200,
        new ControlState(parts.World.SystemStatus, parts.World.ThreatLevel, parts.World.ActiveAlerts,
            parts.World.CountAlerts(null, null), parts.Faults.Pending, parts.Webhooks.PendingDeliveries),
        SimulatorJson.Default.ControlState);

    private async Task EnqueueFaultAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        string? name = GetString(root, "fault");
        int count = GetInt(root, "count") ?? 1;
        Fault? fault = name switch
        {
            "server_error" => new ServerError(),
            "rate_limited" => new RateLimited(TimeSpan.FromSeconds(GetInt(root, "retry_after_seconds") ?? 30)),
            "slow" => new Slow(TimeSpan.FromMilliseconds(GetInt(root, "delay_ms") ?? 5000)),
            "malformed_json" => new MalformedJson(),
            "truncated_body" => new TruncatedBody(),
            "repeat_cursor" => new RepeatCursor(),
            "drop_connection" => new DropConnection(),
            "replace_body" when GetString(root, "body") is { } replacement => new ReplaceBody(replacement, GetString(root, "path")),
            _ => null,
        };
        if (fault is null)
        {
            await ApiResponses.BadRequestAsync(context, "fault",
                "fault must be one of server_error, rate_limited, slow, malformed_json, truncated_body, repeat_cursor, drop_connection, replace_body (with body).").ConfigureAwait(false);
            return;
        }
        if (count < 1)
        {
            await ApiResponses.BadRequestAsync(context, "count", "count must be at least 1.").ConfigureAwait(false);
            return;
        }
        parts.Faults.Enqueue(fault, count);
        await StateAsync(context).ConfigureAwait(false);
    }

    private async Task SetWorldAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        int? threat = GetInt(root, "threat_level");
        string? status = GetString(root, "status");
        string? lastScan = GetString(root, "last_scan");
        if (threat is < 0 or > 10)
        {
            await ApiResponses.BadRequestAsync(context, "threat_level", "threat_level must be an integer from 0 to 10.").ConfigureAwait(false);
            return;
        }
        if (status is not null && !Vocabulary.IsSystemStatus(status))
        {
            await ApiResponses.BadRequestAsync(context, "status", "status must be operational, degraded or maintenance.").ConfigureAwait(false);
            return;
        }
        DateTimeOffset scan = default;
        if (lastScan is not null && !DateTimeOffset.TryParse(lastScan, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out scan))
        {
            await ApiResponses.BadRequestAsync(context, "last_scan", "last_scan must be an ISO 8601 time.").ConfigureAwait(false);
            return;
        }
        if (threat is { } t)
        {
            parts.World.ThreatLevel = t;
        }
        if (status is not null)
        {
            parts.World.SystemStatus = status;
        }
        if (lastScan is not null)
        {
            parts.World.LastScan = scan;
        }
        await StateAsync(context).ConfigureAwait(false);
    }

    private async Task AddAlertAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        string severity = GetString(root, "severity") ?? "high";
        string status = GetString(root, "status") ?? "open";
        if (!Vocabulary.IsSeverity(severity) || !Vocabulary.IsAlertStatus(status))
        {
            await ApiResponses.BadRequestAsync(context, "severity", "severity must be critical|high|medium|low and status open|investigating|resolved|dismissed.")
                .ConfigureAwait(false);
            return;
        }
        int count = GetInt(root, "count") ?? 1;
        if (count is < 1 or > 10_000)
        {
            await ApiResponses.BadRequestAsync(context, "count", "count must be from 1 to 10000.").ConfigureAwait(false);
            return;
        }
        Alert last = null!;
        for (int i = 0; i < count; i++)
        {
            last = parts.World.AddAlert(severity, status, GetString(root, "type") ?? "custom", GetString(root, "asset_id") ?? "srv_sim_01");
        }
        await ApiResponses.WriteJsonAsync(context, 201, AlertDto.From(last), SimulatorJson.Default.AlertDto).ConfigureAwait(false);
    }

    private Task ResolveAsync(HttpContext context)
    {
        string id = (string)context.Request.RouteValues["id"]!;
        return parts.World.ResolveAlert(id)
            ? ApiResponses.WriteJsonAsync(context, 200, AlertDto.From(parts.World.FindAlert(id)!), SimulatorJson.Default.AlertDto)
            : ApiResponses.WriteErrorAsync(context, 404, "not_found", "No such unresolved alert.");
    }

    private async Task RaiseEventAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        string asset = GetString(root, "asset_id") ?? "srv_sim_01";
        switch (GetString(root, "type"))
        {
            case "asset.vulnerable":
                parts.World.RaiseAssetVulnerable(asset);
                break;
            case "compliance.failed":
                parts.World.RaiseComplianceFailed(assetId: asset);
                break;
            default:
                await ApiResponses.BadRequestAsync(context, "type", "type must be asset.vulnerable or compliance.failed.").ConfigureAwait(false);
                return;
        }
        await StateAsync(context).ConfigureAwait(false);
    }

    private async Task SubscribeAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        string? secret = GetString(root, "secret");
        if (!Uri.TryCreate(GetString(root, "url"), UriKind.Absolute, out Uri? url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            await ApiResponses.BadRequestAsync(context, "url", "url must be an absolute http(s) URL.").ConfigureAwait(false);
            return;
        }
        if (string.IsNullOrEmpty(secret))
        {
            await ApiResponses.BadRequestAsync(context, "secret", "secret is required.").ConfigureAwait(false);
            return;
        }
        List<string>? events = null;
        if (root.TryGetProperty("events", out JsonElement list) && list.ValueKind != JsonValueKind.Null)
        {
            string[] known = ["alert.created", "alert.resolved", "asset.vulnerable", "compliance.failed"];
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || !known.Contains(e.GetString())))
            {
                await ApiResponses.BadRequestAsync(context, "events", $"events must be an array of {string.Join(", ", known)}.").ConfigureAwait(false);
                return;
            }
            events = [.. list.EnumerateArray().Select(e => e.GetString()!)];
        }
        parts.Webhooks.Subscribe(new WebhookSubscription(url, secret, events));
        await StateAsync(context).ConfigureAwait(false);
    }

    private async Task SpendAsync(HttpContext context)
    {
        using JsonDocument? body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        JsonElement root = body.RootElement;
        // Keys are named by their log label (key-1, key-2, …) so the secret never travels in a control call.
        string keyId = GetString(root, "key_id") ?? "key-1";
        int index = keyId.StartsWith("key-", StringComparison.Ordinal) && int.TryParse(keyId.AsSpan(4), CultureInfo.InvariantCulture, out int n) ? n - 1 : -1;
        int requests = GetInt(root, "requests") ?? 1;
        if (index < 0 || index >= keys.Count)
        {
            await ApiResponses.BadRequestAsync(context, "key_id", $"key_id must be key-1 … key-{keys.Count}.").ConfigureAwait(false);
            return;
        }
        if (requests < 0)
        {
            await ApiResponses.BadRequestAsync(context, "requests", "requests cannot be negative.").ConfigureAwait(false);
            return;
        }
        parts.RateLimits.SpendAsOtherClient(keys[index].Key, requests);
        await ApiResponses.WriteJsonAsync(context, 200, parts.RateLimits.Peek(keys[index].Key), SimulatorJson.Default.RateLimitState).ConfigureAwait(false);
    }

    private static async Task<JsonDocument?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }
            document.Dispose();
        }
        catch (JsonException)
        {
            // Answered below.
        }
        await ApiResponses.BadRequestAsync(context, "body", "The body must be a JSON object.").ConfigureAwait(false);
        return null;
    }

    /// <summary>An absent or null field is null; a field of the wrong type is a 400, never silently ignored.</summary>
    private static string? GetString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new BadControlInputException(name, $"{name} must be a string.");
    }

    private static int? GetInt(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : throw new BadControlInputException(name, $"{name} must be an integer.");
    }

    /// <summary>Turns a wrongly typed field into a 400 naming it.</summary>
    private static RequestDelegate Guard(RequestDelegate handler) => async context =>
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (BadControlInputException ex) when (!context.Response.HasStarted)
        {
            await ApiResponses.BadRequestAsync(context, ex.Field, ex.Message).ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (!context.Response.HasStarted)
        {
            // The world's own validation (e.g. an empty asset_id) explains the problem well enough.
            await ApiResponses.BadRequestAsync(context, "body", ex.Message).ConfigureAwait(false);
        }
    };

    private sealed class BadControlInputException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }
}
