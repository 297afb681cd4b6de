using System.Buffers;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Polling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Webhooks;

/// <summary>The <c>result</c> label values of cybervault_webhook_events_total.</summary>
internal static class WebhookResults
{
    public const string Accepted = "accepted";
    public const string InvalidSignature = "invalid_signature";
    public const string Malformed = "malformed";
    public const string TooLarge = "too_large";
    public const string Duplicate = "duplicate";
    public const string Ignored = "ignored";
}

/// <summary>Where the receiver finds the running poller of a target (it changes when a reload restarts the target).</summary>
internal interface IWebhookTargets
{
    TargetPoller? Find(string target);
}

internal sealed class PollingWebhookTargets(PollingService polling) : IWebhookTargets
{
    public TargetPoller? Find(string target) => polling.TryGetPoller(target, out var poller) ? poller : null;
}

/// <summary>Limits of the receiver that are not in the config.</summary>
internal sealed record WebhookReceiverOptions
{
    /// <summary>
    /// The whole body must arrive within this time (on the TimeProvider), so a slow sender cannot hold a connection
    /// and a buffer for long; Kestrel's minimum data rate alone would allow minutes for a large body.
    /// </summary>
    public TimeSpan BodyReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bodies read at once per target; more get 503 and are retried by the sender. Bounds memory to this × max_body_bytes.</summary>
    public int MaxConcurrentReads { get; init; } = 16;
}

/// <summary>
/// One target's webhook endpoint. The order of the checks is the security contract: nothing of the body is
/// parsed, and nothing attacker-chosen becomes a label, before the signature over the raw bytes is verified.
/// </summary>
internal sealed class WebhookReceiver : IDisposable
{
    private const string PlainText = "text/plain; charset=utf-8";

    private readonly IWebhookTargets _targets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WebhookReceiverOptions _options;
    private readonly DedupeCache _dedupe;
    private readonly SemaphoreSlim _reads;

    public WebhookReceiver(string target, WebhookConfig config, WebhookSecrets secrets, IWebhookTargets targets, TimeProvider time, ILogger logger, WebhookReceiverOptions? options = null)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        Secrets = secrets ?? throw new ArgumentNullException(nameof(secrets));
        _targets = targets ?? throw new ArgumentNullException(nameof(targets));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _options = options ?? new WebhookReceiverOptions();
        _dedupe = new DedupeCache(config.DedupeWindow, time);
        _reads = new SemaphoreSlim(_options.MaxConcurrentReads, _options.MaxConcurrentReads);
    }

    public string Target { get; }

    public WebhookConfig Config { get; }

    public WebhookSecrets Secrets { get; }

    public string Path => Config.Path;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        context.Response.Headers.CacheControl = "no-store";

        // Kestrel enforces the limit too, which also bounds what it drains of a body this handler does not read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = Config.MaxBodyBytes;
        }

        var poller = _targets.Find(Target);
        if (poller is null)
        {
            Log.WebhookTargetNotRunning(_logger, Target);
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, "target not running", close: true, retryAfterSeconds: 5).ConfigureAwait(false);
            return;
        }

        if (request.ContentLength > Config.MaxBodyBytes)
        {
            await RejectAsync(context, poller, StatusCodes.Status413PayloadTooLarge, WebhookResults.TooLarge, close: true).ConfigureAwait(false);
            return;
        }

        var signature = new byte[WebhookSignature.SignatureBytes];
        if (!request.Headers.TryGetValue(WebhookSignature.Header, out var header) || header.Count != 1
            || !WebhookSignature.TryParse(header[0], signature))
        {
            await RejectAsync(context, poller, StatusCodes.Status401Unauthorized, WebhookResults.InvalidSignature, close: true).ConfigureAwait(false);
            return;
        }

        var secrets = Secrets.Current();
        if (secrets.Count == 0)
        {
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, "no webhook secret configured yet", close: true, retryAfterSeconds: 30).ConfigureAwait(false);
            return;
        }

        if (!_reads.Wait(0))
        {
            Log.WebhookBusy(_logger, Target, _options.MaxConcurrentReads);
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, "busy", close: true, retryAfterSeconds: 1).ConfigureAwait(false);
            return;
        }

        var buffer = new PooledBuffer();
        try
        {
            var read = await ReadBodyAsync(context, buffer).ConfigureAwait(false);
            switch (read.Outcome)
            {
                case ReadOutcome.TooLarge:
                    await RejectAsync(context, poller, StatusCodes.Status413PayloadTooLarge, WebhookResults.TooLarge, close: true).ConfigureAwait(false);
                    return;
                case ReadOutcome.TimedOut:
                    Log.WebhookBodyTimeout(_logger, Target, _options.BodyReadTimeout);
                    await AnswerAsync(context, StatusCodes.Status408RequestTimeout, "body not received in time", close: true).ConfigureAwait(false);
                    return;
                case ReadOutcome.Aborted:
                    return;
            }

            var body = buffer.Array.AsSpan(0, read.Length);
            if (!WebhookSignature.Matches(body, signature, secrets))
            {
                await RejectAsync(context, poller, StatusCodes.Status401Unauthorized, WebhookResults.InvalidSignature, close: false).ConfigureAwait(false);
                return;
            }

            var (status, result) = Apply(body, poller);
            await AnswerAsync(context, status, result, close: false).ConfigureAwait(false);
        }
        finally
        {
            buffer.Dispose();
            _reads.Release();
        }
    }

    public void Dispose() => _reads.Dispose();

    /// <summary>Everything after the signature check; synchronous, so the counters move before the answer is sent.</summary>
    private (int Status, string Result) Apply(ReadOnlySpan<byte> body, TargetPoller poller)
    {
        if (!WebhookEvent.TryParse(body, out var parsed, out var typeLabel, out var problem))
        {
            poller.RecordWebhookEvent(typeLabel, WebhookResults.Malformed, signatureValid: true);
            Log.WebhookAnswered(_logger, Target, StatusCodes.Status400BadRequest, problem!);
            return (StatusCodes.Status400BadRequest, WebhookResults.Malformed);
        }

        var evt = parsed!;
        if (!evt.IsKnown)
        {
            poller.RecordWebhookEvent(WebhookEvent.UnknownLabel, WebhookResults.Ignored, signatureValid: true);
            return (StatusCodes.Status202Accepted, WebhookResults.Ignored);
        }

        if (evt.Id is { } id && !_dedupe.TryAdd(id))
        {
            poller.RecordWebhookEvent(evt.Label, WebhookResults.Duplicate, signatureValid: true);
            return (StatusCodes.Status200OK, WebhookResults.Duplicate);
        }

        var finding = WebhookFinding.None;
        switch (evt.Type)
        {
            case WebhookEvent.AlertCreated:
                AdjustAlert(poller, evt, evt.Alert?.Status, +1);
                poller.RequestEarlySweep();
                break;
            case WebhookEvent.AlertResolved:
                AdjustAlert(poller, evt, evt.Alert?.Status ?? "resolved", +1);
                // The status the alert left is not in the reference's payload; only if CyberVault says it is it used.
                if (evt.Alert?.PreviousStatus is { } previous)
                {
                    AdjustAlert(poller, evt, previous, -1);
                }

                poller.RequestEarlySweep();
                break;
            case WebhookEvent.ComplianceFailed:
                finding = WebhookFinding.ComplianceFailed;
                break;
            case WebhookEvent.AssetVulnerable:
                finding = WebhookFinding.AssetVulnerable;
                break;
        }

        poller.RecordWebhookEvent(evt.Label, WebhookResults.Accepted, signatureValid: true, finding);
        Log.WebhookAccepted(_logger, Target, evt.Label);
        return (StatusCodes.Status200OK, WebhookResults.Accepted);
    }

    private void AdjustAlert(TargetPoller poller, WebhookEvent evt, string? status, int delta)
    {
        var severity = evt.Alert?.Severity;
        if (severity is null || status is null)
        {
            return;
        }

        if (poller.ApplyWebhookAlertDelta(severity, status, delta))
        {
            return;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            // Sanitised: the values come from the sender (verified, but still not ours to print raw).
            var shownSeverity = LabelValues.Sanitize(severity);
            var shownStatus = LabelValues.Sanitize(status);
            Log.WebhookAlertNotApplied(_logger, Target, evt.Label, shownSeverity, shownStatus);
        }
    }

    /// <summary>
    /// Reads the whole body into <paramref name="buffer"/> (pooled, grown by doubling), stopping as soon as it passes
    /// max_body_bytes (so at most max_body_bytes + 1 bytes are ever held) or the read timeout fires.
    /// </summary>
    private async Task<ReadResult> ReadBodyAsync(HttpContext context, PooledBuffer buffer)
    {
        var limit = Config.MaxBodyBytes;
        buffer.Grow((int)Math.Min(context.Request.ContentLength ?? 16 * 1024, limit) + 1);
        var total = 0;
        using var timeout = new CancellationTokenSource(_options.BodyReadTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        try
        {
            while (true)
            {
                if (total == buffer.Array.Length)
                {
                    buffer.Grow((int)Math.Min((long)total * 2, (long)limit + 1));
                }

                var room = Math.Min(buffer.Array.Length, limit + 1) - total;
                var read = await context.Request.Body.ReadAsync(buffer.Array.AsMemory(total, room), linked.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return new ReadResult(ReadOutcome.Complete, total);
                }

                total += read;
                if (total > limit)
                {
                    return new ReadResult(ReadOutcome.TooLarge, total);
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return new ReadResult(ReadOutcome.Aborted, total);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new ReadResult(ReadOutcome.TimedOut, total);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new ReadResult(ReadOutcome.TooLarge, total);
        }
        catch (BadHttpRequestException)
        {
            // E.g. Kestrel's minimum data rate, or a client that closed mid-body.
            return new ReadResult(ReadOutcome.Aborted, total);
        }
        catch (IOException)
        {
            return new ReadResult(ReadOutcome.Aborted, total);
        }
    }

    private async Task RejectAsync(HttpContext context, TargetPoller poller, int statusCode, string result, bool close)
    {
        // Before verification nothing in the request is trusted: the event label is always "unknown".
        poller.RecordWebhookEvent(WebhookEvent.UnknownLabel, result, signatureValid: false);
        await AnswerAsync(context, statusCode, result, close).ConfigureAwait(false);
    }

    private async Task AnswerAsync(HttpContext context, int statusCode, string text, bool close, int? retryAfterSeconds = null)
    {
        Log.WebhookAnswered(_logger, Target, statusCode, text);
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = PlainText;
        if (close)
        {
            // The rest of an unread body is not worth draining; the sender opens a new connection.
            response.Headers.Connection = "close";
        }

        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await response.WriteAsync(text + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private enum ReadOutcome
    {
        Complete,
        TooLarge,
        TimedOut,
        Aborted,
    }

    private readonly record struct ReadResult(ReadOutcome Outcome, int Length);

    /// <summary>A rented array that grows by renting a larger one; the caller disposes it to return it.</summary>
    private sealed class PooledBuffer : IDisposable
    {
        public byte[] Array { get; private set; } = [];

        public void Grow(int size)
        {
            if (size <= Array.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(size);
            Array.CopyTo(bigger, 0);
            Dispose();
            Array = bigger;
        }

        public void Dispose()
        {
            if (Array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Array);
                Array = [];
            }
        }
    }
}
