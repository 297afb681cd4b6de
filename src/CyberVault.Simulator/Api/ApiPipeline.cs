using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

/// <summary>
/// Everything in front of the endpoints, in order: the plain-HTTP redirect (no auth, nothing else), the
/// control endpoint bypass, bearer authentication (401), the per-key rate limit (429), the rate-limit
/// headers, queued faults, and the request log. Unmatched routes get JSON 404/405 errors.
/// </summary>
internal sealed class ApiPipeline(
    RateLimitRegistry rateLimits,
    FaultInjector faults,
    RequestLog log,
    TimeProvider time,
    ILogger logger,
    Func<Uri> httpsOrigin,
    bool controlEnabled,
    CancellationToken stopping)
{
    private const string StatusOverrideItem = "cv.logged_status";
    private const string RateStateItem = "cv.rate_state";
    private const string KeyIdItem = "cv.key_id";
    private const string RecordedItem = "cv.recorded";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        DateTimeOffset started = time.GetUtcNow();
        HttpRequest request = context.Request;

        if (!request.IsHttps)
        {
            // The plain listener redirects everything, before and without looking at credentials.
            Uri origin = httpsOrigin();
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = $"{origin.GetLeftPart(UriPartial.Authority)}{request.PathBase}{request.Path}{request.QueryString}";
            context.Response.ContentLength = 0;
            Record(context, started, null);
            return;
        }

        if (request.Path.StartsWithSegments("/_control", StringComparison.Ordinal))
        {
            await InvokeControlAsync(context, next).ConfigureAwait(false);
            return;
        }

        // Recorded as the response starts, before the client can have any of it, so a test that counts the log right
        // after its answer never races the recording; the calls below record the requests whose response never starts.
        context.Response.OnStarting(() =>
        {
            Record(context, started, context.Items.TryGetValue(KeyIdItem, out object? id) ? id as string : null);
            return Task.CompletedTask;
        });

        RateLimitRegistry.KeyState? key = Authenticate(request);
        if (key is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "unauthorized",
                "A valid API key is required: send \"Authorization: Bearer <key>\".").ConfigureAwait(false);
            Record(context, started, null);
            return;
        }

        context.Items[KeyIdItem] = key.KeyId;
        try
        {
            await HandleAuthenticatedAsync(context, next, key).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A simulator bug must still look like the API: a JSON 500, never an empty body or a stack trace.
            Log.UnhandledError(logger, ex);
            context.Response.Clear();
            if (context.Items.TryGetValue(RateStateItem, out object? state) && state is RateLimitState rate)
            {
                SetRateLimitHeaders(context.Response, rate);
            }
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal_error", "Unexpected simulator error.")
                .ConfigureAwait(false);
        }
        finally
        {
            Record(context, started, key.KeyId);
        }
    }

    private async Task HandleAuthenticatedAsync(HttpContext context, RequestDelegate next, RateLimitRegistry.KeyState key)
    {
        RateDecision decision = rateLimits.TryAcquire(key);
        SetRateLimitHeaders(context.Response, decision.State);
        context.Items[RateStateItem] = decision.State;
        if (!decision.Admitted)
        {
            await WriteTooManyAsync(context, decision.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        bool isListing = HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/v2/alerts", StringComparison.Ordinal);
        Fault? fault = faults.TakeFor(isListing, context.Request.Path.Value ?? "/");
        if (fault is not null)
        {
            Log.FaultApplied(logger, fault.Name, context.Request.Method, context.Request.Path.Value ?? "/");
        }
        switch (fault)
        {
            case null:
                await RunEndpointAsync(context, next).ConfigureAwait(false);
                return;
            case ServerError:
                await ApiResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal_error", "Simulated server error.")
                    .ConfigureAwait(false);
                return;
            case RateLimited r:
                await WriteTooManyAsync(context, (int)Math.Ceiling(r.RetryAfter.TotalSeconds)).ConfigureAwait(false);
                return;
            case Slow s:
                {
                    // Shutting down ends the wait too: a held request must not delay disposal (which, with a
                    // FakeTimeProvider nobody advances, would otherwise wait for Kestrel's drain timeout).
                    using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                    Task wait = Task.Delay(s.Delay, time, cancel.Token);
                    faults.SlowWaitStarted();
                    try
                    {
                        await wait.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                    {
                        context.Items[StatusOverrideItem] = 0;
                        context.Abort();
                        return;
                    }
                    finally
                    {
                        faults.SlowWaitEnded();
                    }
                }
                await RunEndpointAsync(context, next).ConfigureAwait(false);
                return;
            case RepeatCursor:
                context.Items[ApiEndpoints.RepeatCursorItem] = true;
                await RunEndpointAsync(context, next).ConfigureAwait(false);
                return;
            case MalformedJson:
                {
                    byte[] body = await CaptureAsync(context, next).ConfigureAwait(false);
                    // Half the real document then junk: the status and Content-Type still claim JSON.
                    byte[] broken = [.. body.AsSpan(0, body.Length / 2), .. "<<not json>>"u8];
                    context.Response.ContentLength = broken.Length;
                    await context.Response.Body.WriteAsync(broken, context.RequestAborted).ConfigureAwait(false);
                    return;
                }
            case TruncatedBody:
                {
                    byte[] body = await CaptureAsync(context, next).ConfigureAwait(false);
                    context.Response.ContentLength = body.Length;
                    await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    // Returning short of the declared length makes Kestrel close the connection after sending
                    // what was written (a FIN); an Abort() here would reset it and could discard the partial body.
                    return;
                }
            case ReplaceBody replace:
                {
                    // The endpoint still runs (its status and headers stay real); only its body is swapped.
                    _ = await CaptureAsync(context, next).ConfigureAwait(false);
                    context.Response.ContentLength = null;
                    byte[] body = System.Text.Encoding.UTF8.GetBytes(replace.Body);
                    // Written in slices so Kestrel sends chunks as they come rather than one giant write.
                    for (int offset = 0; offset < body.Length; offset += 64 * 1024)
                    {
                        int length = Math.Min(64 * 1024, body.Length - offset);
                        await context.Response.Body.WriteAsync(body.AsMemory(offset, length), context.RequestAborted).ConfigureAwait(false);
                    }
                    return;
                }
            case DropConnection:
                context.Items[StatusOverrideItem] = 0;
                context.Abort();
                return;
            default:
                throw new InvalidOperationException($"Unknown fault {fault.GetType().Name}.");
        }
    }

    /// <summary>Runs the endpoint into a buffer, so a fault can mangle its real output.</summary>
    private static async Task<byte[]> CaptureAsync(HttpContext context, RequestDelegate next)
    {
        Stream original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await RunEndpointAsync(context, next).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = original;
        }
        return buffer.ToArray();
    }

    private static async Task RunEndpointAsync(HttpContext context, RequestDelegate next)
    {
        await next(context).ConfigureAwait(false);
        if (context.Response.HasStarted || context.Response.ContentLength is > 0)
        {
            return;
        }
        if (context.Response.StatusCode == StatusCodes.Status404NotFound)
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status404NotFound, "not_found",
                $"No such endpoint: {context.Request.Method} {context.Request.Path}.").ConfigureAwait(false);
        }
        else if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed",
                $"{context.Request.Method} is not allowed on {context.Request.Path}.").ConfigureAwait(false);
        }
    }

    private async Task InvokeControlAsync(HttpContext context, RequestDelegate next)
    {
        if (!controlEnabled)
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status404NotFound, "not_found", "The control endpoint is disabled.")
                .ConfigureAwait(false);
            return;
        }
        // No auth by design; refusing non-loopback callers keeps that safe if someone binds 0.0.0.0.
        if (context.Connection.RemoteIpAddress is not { } remote || !System.Net.IPAddress.IsLoopback(remote))
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status403Forbidden, "forbidden", "The control endpoint only answers loopback callers.")
                .ConfigureAwait(false);
            return;
        }
        await RunEndpointAsync(context, next).ConfigureAwait(false);
    }

    private RateLimitRegistry.KeyState? Authenticate(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string presented = header[scheme.Length..].Trim();
        return presented.Length == 0 ? null : rateLimits.Authenticate(presented);
    }

    private static void SetRateLimitHeaders(HttpResponse response, RateLimitState state)
    {
        long resetEpoch = (state.WindowResetsAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        response.Headers["X-RateLimit-Remaining"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Reset"] = resetEpoch.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Burst"] = state.Burst.ToString(CultureInfo.InvariantCulture);
    }

    private static Task WriteTooManyAsync(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
            $"Rate limit exceeded; retry after {retryAfterSeconds} s.");
    }

    /// <summary>Adds the request to the log once, whichever of the response start and the handler's end comes first.</summary>
    private void Record(HttpContext context, DateTimeOffset started, string? keyId)
    {
        if (!context.Items.TryAdd(RecordedItem, true))
        {
            return;
        }

        int status = context.Items.TryGetValue(StatusOverrideItem, out object? overridden) && overridden is int code
            ? code
            : context.Response.StatusCode;
        string path = rateLimits.Redact(context.Request.Path.Value ?? "/");
        string query = rateLimits.Redact(context.Request.QueryString.Value ?? string.Empty);
        log.Add(new RequestRecord(started, context.Request.Method, path, query, status, keyId));
        Log.Request(logger, context.Request.Method, path, status, keyId);
    }
}
