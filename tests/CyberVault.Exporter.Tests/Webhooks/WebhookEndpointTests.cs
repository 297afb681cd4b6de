using System.Net;
using System.Net.Sockets;
using System.Text;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Webhooks;

namespace CyberVault.Exporter.Tests.Webhooks;

public class WebhookEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_signed_alert_created_moves_the_alert_count_at_once_and_is_counted_as_accepted()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.SweepWithAsync(2);

        using var response = await host.PostAsync(WebhookTestHost.Event("alert.created", "evt_1", WebhookTestHost.AlertData("critical", "open")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = await host.MetricsAsync();
        Assert.Equal(3, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("critical", "open")));
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("high", "open")));
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Events("alert.created", "accepted")));
        Assert.Equal(
            host.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000d,
            WebhookTestHost.Value(metrics, "cybervault_webhook_last_event_timestamp_seconds{target=\"prod\"}"));
    }

    [Fact]
    public async Task A_delivery_without_a_signature_is_401_and_changes_nothing_but_the_invalid_signature_count()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.SweepWithAsync(2);

        using var response = await host.PostAsync(WebhookTestHost.Event("alert.created", "evt_1", WebhookTestHost.AlertData("critical", "open")), secret: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var metrics = await host.MetricsAsync();
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("critical", "open")));
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Events("unknown", "invalid_signature")));
        Assert.Null(WebhookTestHost.Value(metrics, "cybervault_webhook_last_event_timestamp_seconds{target=\"prod\"}"));
    }

    [Fact]
    public async Task A_delivery_signed_with_another_secret_is_401_and_its_event_type_never_becomes_a_label()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.SweepWithAsync(2);

        using var response = await host.PostAsync(WebhookTestHost.Event("alert.created", "evt_1", WebhookTestHost.AlertData("critical", "open")), secret: "whsec_wrong");
        using var attackerType = await host.PostAsync(WebhookTestHost.Event("attacker\"label", "evt_2"), secret: "whsec_wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, attackerType.StatusCode);
        var metrics = await host.MetricsAsync();
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("critical", "open")));
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Events("unknown", "invalid_signature")));
        Assert.DoesNotContain("attacker", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("event=\"alert.created\"", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"id\":\"evt_1\"}")]
    [InlineData("{\"type\":\"alert.created\",\"data\":\"not an object\"}")]
    [InlineData("{\"type\":\"alert.created\",\"data\":{\"severity\":5}}")]
    [InlineData("{\"type\":\"alert.created\",\"data\":{}} trailing")]
    public async Task A_signed_but_malformed_body_is_400_and_counted_as_malformed(string body)
    {
        await using var host = await WebhookTestHost.StartAsync();

        using var response = await host.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var metrics = await host.MetricsAsync();
        var malformed = (WebhookTestHost.Value(metrics, WebhookTestHost.Events("unknown", "malformed")) ?? 0)
            + (WebhookTestHost.Value(metrics, WebhookTestHost.Events("alert.created", "malformed")) ?? 0);
        Assert.Equal(1, malformed);
        Assert.DoesNotContain("result=\"accepted\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_event_type_is_202_and_counted_as_ignored_under_the_unknown_label()
    {
        await using var host = await WebhookTestHost.StartAsync();

        using var response = await host.PostAsync(WebhookTestHost.Event("user.created", "evt_1"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var metrics = await host.MetricsAsync();
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Events("unknown", "ignored")));
        Assert.DoesNotContain("user.created", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redelivered_event_id_within_the_dedupe_window_is_200_and_applied_once()
    {
        await using var host = await WebhookTestHost.StartAsync(w => w with { DedupeWindow = TimeSpan.FromMinutes(10) });
        await host.SweepWithAsync(0);
        var body = WebhookTestHost.Event("alert.created", "evt_dup", WebhookTestHost.AlertData("high", "open"));

        using var first = await host.PostAsync(body);
        using var second = await host.PostAsync(body);
        host.Time.Advance(TimeSpan.FromMinutes(9));
        using var third = await host.PostAsync(body);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], [first.StatusCode, second.StatusCode, third.StatusCode]);
        var metrics = await host.MetricsAsync();
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("high", "open")));
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Events("alert.created", "accepted")));
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Events("alert.created", "duplicate")));
    }

    [Fact]
    public async Task Compliance_and_vulnerability_events_increment_their_counters()
    {
        await using var host = await WebhookTestHost.StartAsync();
        Assert.Equal(0, await host.MetricAsync("cybervault_compliance_failures_total{target=\"prod\"}"));

        using var a = await host.PostAsync(WebhookTestHost.Event("compliance.failed", "evt_1", """{"check_id":"cis-1.1","framework":"CIS","asset_id":"srv_1"}"""));
        using var b = await host.PostAsync(WebhookTestHost.Event("compliance.failed", "evt_2"));
        using var c = await host.PostAsync(WebhookTestHost.Event("asset.vulnerable", "evt_3", """{"asset_id":"srv_1","vulnerability_id":"CVE-2025-1","severity":"high"}"""));

        var metrics = await host.MetricsAsync();
        Assert.Equal(2, WebhookTestHost.Value(metrics, "cybervault_compliance_failures_total{target=\"prod\"}"));
        Assert.Equal(1, WebhookTestHost.Value(metrics, "cybervault_asset_vulnerable_events_total{target=\"prod\"}"));
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Events("compliance.failed", "accepted")));
    }

    [Fact]
    public async Task A_resolved_alert_leaves_the_status_the_payload_names_and_enters_resolved_only_when_resolved_is_polled()
    {
        var polling = new PollingConfig { AlertStatuses = ["open", "investigating", "resolved"] };
        await using var host = await WebhookTestHost.StartAsync(polling: polling);
        await host.SweepWithAsync(2);

        var withPrevious = WebhookTestHost.AlertData("low", "resolved").TrimEnd('}') + ",\"previous_status\":\"investigating\"}";
        using var a = await host.PostAsync(WebhookTestHost.Event("alert.resolved", "evt_1", withPrevious));
        using var b = await host.PostAsync(WebhookTestHost.Event("alert.resolved", "evt_2", WebhookTestHost.AlertData("medium", "resolved")));

        var metrics = await host.MetricsAsync();
        Assert.Equal(1, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("low", "investigating")));
        Assert.Equal(3, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("low", "resolved")));
        // Without previous_status the open or investigating count it left is unknown: only the sweep fixes it.
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("medium", "open")));
        Assert.Equal(2, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("medium", "investigating")));
        Assert.Equal(3, WebhookTestHost.Value(metrics, WebhookTestHost.Alerts("medium", "resolved")));
    }

    [Fact]
    public async Task The_next_complete_sweep_replaces_the_webhook_adjusted_counts()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.SweepWithAsync(2);
        using var response = await host.PostAsync(WebhookTestHost.Event("alert.created", "evt_1", WebhookTestHost.AlertData("critical", "open")));
        Assert.Equal(3, await host.MetricAsync(WebhookTestHost.Alerts("critical", "open")));

        // The API does not have that alert after all (say it was folded into another one): the sweep is the truth.
        await host.SweepWithAsync(2);

        Assert.Equal(2, await host.MetricAsync(WebhookTestHost.Alerts("critical", "open")));
    }

    [Fact]
    public async Task Other_methods_on_the_webhook_path_are_405()
    {
        await using var host = await WebhookTestHost.StartAsync();

        using var response = await host.Client.GetAsync(host.Webhook.Path, Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task A_declared_length_over_max_body_bytes_is_413_before_any_body_byte_is_sent()
    {
        await using var host = await WebhookTestHost.StartAsync(w => w with { MaxBodyBytes = 1024 });
        using var socket = await RawConnection.OpenAsync(host.BaseAddress);

        // Headers only: the answer must come without the 10 MB ever being sent.
        await socket.SendAsync($"POST {host.Webhook.Path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nX-CV-Signature: {new string('a', 64)}\r\n\r\n");
        var status = await socket.ReadStatusAsync();

        Assert.Equal(413, status);
        Assert.Equal(1, await host.MetricAsync(WebhookTestHost.Events("unknown", "too_large")));
    }

    [Fact]
    public async Task A_chunked_body_growing_past_max_body_bytes_is_413_after_reading_at_most_the_limit()
    {
        await using var host = await WebhookTestHost.StartAsync(w => w with { MaxBodyBytes = 1024 });
        using var socket = await RawConnection.OpenAsync(host.BaseAddress);
        var chunk = new string('x', 600);
        var chunkLine = $"{chunk.Length:x}\r\n{chunk}\r\n";

        await socket.SendAsync($"POST {host.Webhook.Path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-CV-Signature: {new string('a', 64)}\r\n\r\n{chunkLine}{chunkLine}");
        var status = await socket.ReadStatusAsync();

        Assert.Equal(413, status);
        Assert.Equal(1, await host.MetricAsync(WebhookTestHost.Events("unknown", "too_large")));
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_answered_408_after_the_read_timeout()
    {
        var options = new WebhookReceiverOptions { BodyReadTimeout = TimeSpan.FromSeconds(10) };
        await using var host = await WebhookTestHost.StartAsync(options: options);
        using var socket = await RawConnection.OpenAsync(host.BaseAddress);

        await socket.SendAsync($"POST {host.Webhook.Path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nX-CV-Signature: {new string('a', 64)}\r\n\r\n{{\"id\":");
        var status = socket.ReadStatusAsync();
        await Task.Delay(50, Ct);
        Assert.False(status.IsCompleted);
        await AdvanceUntilAsync(host, status, TimeSpan.FromSeconds(11));

        Assert.Equal(408, await status);
    }

    [Fact]
    public async Task Slow_bodies_beyond_the_concurrent_read_limit_are_turned_away_with_503_instead_of_queueing()
    {
        var options = new WebhookReceiverOptions { MaxConcurrentReads = 2, BodyReadTimeout = TimeSpan.FromSeconds(10) };
        await using var host = await WebhookTestHost.StartAsync(options: options);
        var slow = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var connection = await RawConnection.OpenAsync(host.BaseAddress);
                slow.Add(connection);
                await connection.SendAsync($"POST {host.Webhook.Path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nX-CV-Signature: {new string('a', 64)}\r\n\r\n{{");
            }

            // Both slots are taken once the handlers are waiting for the bodies; the next delivery is refused at once.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            HttpStatusCode third;
            do
            {
                await Task.Delay(20, Ct);
                using var response = await host.PostAsync(WebhookTestHost.Event("compliance.failed", "evt_x"));
                third = response.StatusCode;
            }
            while (third != HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, third);
            var statuses = slow.Select(c => c.ReadStatusAsync()).ToList();
            await AdvanceUntilAsync(host, Task.WhenAll(statuses), TimeSpan.FromSeconds(11));
            Assert.All(statuses, s => Assert.Equal(408, s.Result));

            using var after = await host.PostAsync(WebhookTestHost.Event("compliance.failed", "evt_y"));
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            slow.ForEach(c => c.Dispose());
        }
    }

    private static async Task AdvanceUntilAsync(WebhookTestHost host, Task task, TimeSpan total)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var advanced = TimeSpan.Zero;
        while (!task.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "no answer within 10 s of real time");
            if (advanced < total)
            {
                host.Time.Advance(TimeSpan.FromSeconds(1));
                advanced += TimeSpan.FromSeconds(1);
            }

            await Task.WhenAny(task, Task.Delay(20, Ct));
        }
    }
}

/// <summary>A raw HTTP/1.1 connection, for requests HttpClient will not send (a length without a body, a stalled body).</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawConnection> OpenAsync(Uri address)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
        return new RawConnection(client);
    }

    public async Task SendAsync(string text) =>
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), TestContext.Current.CancellationToken);

    /// <summary>Reads up to the end of the status line and returns the status code (bounded: 15 s).</summary>
    public async Task<int> ReadStatusAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"connection closed after \"{line}\"");
            }

            line.Append((char)buffer[0]);
        }

        return int.Parse(line.ToString().Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
