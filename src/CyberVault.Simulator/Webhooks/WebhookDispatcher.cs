using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

/// <summary>One delivery attempt of one event to one subscriber.</summary>
/// <param name="StatusCode">The subscriber's HTTP status, or null when the attempt failed at the network level.</param>
/// <param name="NextRetryIn">The backoff before the next attempt; null when this was the last attempt (success or give-up).</param>
public sealed record WebhookDelivery(
    string EventId,
    string EventType,
    Uri Url,
    int Attempt,
    int? StatusCode,
    string? Error,
    DateTimeOffset AttemptedAt,
    TimeSpan? NextRetryIn)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends world events to subscribers as <c>{"id","type","created_at","data"}</c>, signed with
/// <c>X-CV-Signature</c> = lowercase hex HMAC-SHA256(secret, raw body). A non-2xx answer or a network
/// failure is retried with exponential backoff (1 s, 2 s, 4 s, 8 s; 5 attempts in all) on the
/// simulator's <see cref="TimeProvider"/>; every attempt re-sends the identical body, so the event id lets
/// a subscriber drop duplicates.
/// </summary>
public sealed class WebhookDispatcher : IAsyncDisposable
{
    public const int MaxAttempts = 5;
    public const string SignatureHeader = "X-CV-Signature";
    public const string EventHeader = "X-CV-Event";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<WebhookSubscription> _subscriptions = [];
    private readonly List<WebhookDelivery> _deliveries = [];
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private int _pending;

    internal WebhookDispatcher(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            // A subscriber that hangs is a failed attempt; real time, because it guards a real socket.
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>The backoff before attempt n+1 after attempt n failed: 1 s, 2 s, 4 s, 8 s.</summary>
    public static TimeSpan RetryDelay(int failedAttempt) => FirstRetryDelay * (1 << (failedAttempt - 1));

    /// <summary>Deliveries still being attempted or waiting for a retry.</summary>
    public int PendingDeliveries => Volatile.Read(ref _pending);

    public void Subscribe(WebhookSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(subscription.Url);
        if (!subscription.Url.IsAbsoluteUri || (subscription.Url.Scheme != Uri.UriSchemeHttp && subscription.Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("A webhook URL must be an absolute http or https URL.", nameof(subscription));
        }
        ArgumentException.ThrowIfNullOrEmpty(subscription.Secret);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }
    }

    /// <summary>Every attempt so far, in order.</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries()
    {
        lock (_gate)
        {
            return [.. _deliveries];
        }
    }

    /// <summary>Lowercase hex HMAC-SHA256 of the raw body bytes with the UTF-8 secret.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    internal void PublishAlert(string type, Alert alert) =>
        Publish(type, AlertDto.From(alert), SimulatorJson.Default.AlertDto);

    internal void PublishAssetVulnerable(AssetVulnerableData data) =>
        Publish("asset.vulnerable", data, SimulatorJson.Default.AssetVulnerableData);

    internal void PublishComplianceFailed(ComplianceFailedData data) =>
        Publish("compliance.failed", data, SimulatorJson.Default.ComplianceFailedData);

    private void Publish<T>(string type, T data, JsonTypeInfo<T> typeInfo)
    {
        WebhookSubscription[] targets;
        lock (_gate)
        {
            targets = [.. _subscriptions.Where(s => s.Events is null || s.Events.Contains(type, StringComparer.Ordinal))];
        }
        if (targets.Length == 0 || _stopping.IsCancellationRequested)
        {
            return;
        }
        string eventId = "evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        byte[] body = Envelope(eventId, type, _time.GetUtcNow(), data, typeInfo);
        foreach (WebhookSubscription target in targets)
        {
            Interlocked.Increment(ref _pending);
            Task task = Task.Run(() => DeliverAsync(target, eventId, type, body, _stopping.Token));
            _inFlight.TryAdd(task, 0);
            task.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static byte[] Envelope<T>(string eventId, string type, DateTimeOffset createdAt, T data, JsonTypeInfo<T> typeInfo)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", eventId);
            writer.WriteString("type", type);
            writer.WriteString("created_at", SimulatedWorld.FormatTime(createdAt));
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, typeInfo);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private async Task DeliverAsync(WebhookSubscription target, string eventId, string type, byte[] body, CancellationToken ct)
    {
        try
        {
            string signature = Sign(body, target.Secret);
            for (int attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                DateTimeOffset at = _time.GetUtcNow();
                int? status = null;
                string? error = null;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, target.Url);
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
                    request.Headers.TryAddWithoutValidation(EventHeader, type);
                    using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException ex)
                {
                    error = ex.HttpRequestError.ToString();
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    error = "Timeout";
                }

                if (status is >= 200 and < 300)
                {
                    Record(new WebhookDelivery(eventId, type, target.Url, attempt, status, null, at, null));
                    Log.WebhookDelivered(_logger, type, eventId, target.Url, attempt);
                    return;
                }
                string reason = error ?? $"HTTP {status}";
                if (attempt == MaxAttempts)
                {
                    Record(new WebhookDelivery(eventId, type, target.Url, attempt, status, error, at, null));
                    Log.WebhookGaveUp(_logger, type, eventId, target.Url, attempt, reason);
                    return;
                }
                TimeSpan delay = RetryDelay(attempt);
                // Create the timer before publishing the attempt, so a test that sees the attempt and then
                // advances a FakeTimeProvider is guaranteed to release this wait.
                Task wait = Task.Delay(delay, _time, ct);
                Record(new WebhookDelivery(eventId, type, target.Url, attempt, status, error, at, delay));
                Log.WebhookRetry(_logger, type, eventId, target.Url, attempt, reason, delay);
                await wait.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: undelivered events are dropped with the simulator.
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private void Record(WebhookDelivery delivery)
    {
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_inFlight.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A delivery stuck in a socket cannot hold up disposal; its HttpClient is disposed below.
        }
        _http.Dispose();
        _stopping.Dispose();
    }
}
