using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CyberVault.Simulator.Tests.Webhooks;

public sealed class WebhookTests
{
    private const string Secret = "whsec_test_secret";

    private static string IndependentSignature(byte[] body, string secret)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return Convert.ToHexString(hmac.ComputeHash(body)).ToLowerInvariant();
    }

    [Fact]
    public void Sign_matches_a_vector_computed_with_openssl()
    {
        // printf '%s' '<body>' | openssl dgst -sha256 -hmac 'whsec_test_secret'
        byte[] body = Encoding.UTF8.GetBytes("""{"id":"evt_0001","type":"alert.created","created_at":"2025-06-14T14:02:11Z","data":{"id":"alt_9x2kL1mP4nQ7"}}""");

        Assert.Equal("c2972348be4720e898e81bf80ddcc9a3309fc0b146222821e4f1544b1a694f44", WebhookDispatcher.Sign(body, "whsec_test_secret"));
        // printf '%s' 'hello' | openssl dgst -sha256 -hmac 'key'
        Assert.Equal("9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b", WebhookDispatcher.Sign("hello"u8, "key"));
    }

    [Fact]
    public async Task A_new_alert_is_delivered_as_a_signed_alert_created_event()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(_ => 204, ct);
        await using SimHarness h = await SimHarness.StartAsync(o => o.Webhooks.Add(new WebhookSubscription(receiver.Url, Secret)), ct);

        Alert alert = h.Simulator.World.AddAlert("critical", "open", "malware", "wks_finance_07");
        await SimHarness.WaitUntilAsync(() => !receiver.Requests.IsEmpty && h.Simulator.Webhooks.PendingDeliveries == 0, ct);

        WebhookReceiver.Received received = Assert.Single(receiver.Requests);
        Assert.Equal(IndependentSignature(received.Body, Secret), received.Signature);
        Assert.Equal(WebhookDispatcher.Sign(received.Body, Secret), received.Signature);
        Assert.Equal("alert.created", received.EventType);
        using JsonDocument doc = JsonDocument.Parse(received.Body);
        JsonElement root = doc.RootElement;
        Assert.Matches("^evt_[0-9a-f]{20}$", root.GetProperty("id").GetString()!);
        Assert.Equal("alert.created", root.GetProperty("type").GetString());
        Assert.Equal("2026-06-01T12:00:00Z", root.GetProperty("created_at").GetString());
        JsonElement data = root.GetProperty("data");
        Assert.Equal(alert.Id, data.GetProperty("id").GetString());
        Assert.Equal("critical", data.GetProperty("severity").GetString());
        Assert.Equal("malware", data.GetProperty("type").GetString());
        Assert.Equal("wks_finance_07", data.GetProperty("asset_id").GetString());
        Assert.Equal("open", data.GetProperty("status").GetString());
        Assert.Equal("2026-06-01T12:00:00Z", data.GetProperty("created_at").GetString());
        WebhookDelivery delivery = Assert.Single(h.Simulator.Webhooks.Deliveries());
        Assert.Equal((root.GetProperty("id").GetString(), "alert.created", 204, 1, true), (delivery.EventId, delivery.EventType, delivery.StatusCode, delivery.Attempt, delivery.Succeeded));
    }

    [Fact]
    public async Task A_signature_made_with_another_secret_does_not_match()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(_ => 200, ct);
        await using SimHarness h = await SimHarness.StartAsync(o => o.Webhooks.Add(new WebhookSubscription(receiver.Url, Secret)), ct);

        h.Simulator.World.RaiseComplianceFailed();
        await SimHarness.WaitUntilAsync(() => !receiver.Requests.IsEmpty, ct);

        WebhookReceiver.Received received = Assert.Single(receiver.Requests);
        Assert.NotEqual(IndependentSignature(received.Body, "whsec_other"), received.Signature);
        byte[] tampered = [.. received.Body];
        tampered[^3] ^= 1;
        Assert.NotEqual(IndependentSignature(tampered, Secret), received.Signature);
    }

    [Fact]
    public async Task Every_event_type_is_delivered_with_its_data()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(_ => 200, ct);
        await using SimHarness h = await SimHarness.StartAsync(o => o.Webhooks.Add(new WebhookSubscription(receiver.Url, Secret)), ct);

        Alert alert = h.Simulator.World.AddAlert("high", "open");
        await SimHarness.WaitUntilAsync(() => receiver.Requests.Count == 1, ct);
        Assert.True(h.Simulator.World.ResolveAlert(alert.Id));
        await SimHarness.WaitUntilAsync(() => receiver.Requests.Count == 2, ct);
        h.Simulator.World.RaiseAssetVulnerable("srv_prod_web_02", "CVE-2025-1234", "critical");
        await SimHarness.WaitUntilAsync(() => receiver.Requests.Count == 3, ct);
        h.Simulator.World.RaiseComplianceFailed("cis-1.1", "CIS", "srv_prod_db_01");
        await SimHarness.WaitUntilAsync(() => receiver.Requests.Count == 4, ct);

        JsonElement[] events = [.. receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)];
        Assert.Equal(["alert.created", "alert.resolved", "asset.vulnerable", "compliance.failed"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("resolved", events[1].GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(alert.Id, events[1].GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("CVE-2025-1234", events[2].GetProperty("data").GetProperty("vulnerability_id").GetString());
        Assert.Equal("srv_prod_web_02", events[2].GetProperty("data").GetProperty("asset_id").GetString());
        Assert.Equal("cis-1.1", events[3].GetProperty("data").GetProperty("check_id").GetString());
        Assert.Equal(4, events.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
        Assert.All(receiver.Requests, r => Assert.Equal(IndependentSignature(r.Body, Secret), r.Signature));
    }

    [Fact]
    public async Task Alerts_created_through_the_API_fire_once_and_folded_duplicates_do_not_fire()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(_ => 200, ct);
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        h.Simulator.Webhooks.Subscribe(new WebhookSubscription(receiver.Url, Secret, ["alert.created"]));
        const string body = """{"type":"xss","asset_id":"srv_a","severity":"low"}""";

        (await h.Client.PostAsync("alerts", SimHarness.Json(body), ct)).Dispose();
        (await h.Client.PostAsync("alerts", SimHarness.Json(body), ct)).Dispose();
        (await h.Client.PostAsync("alerts/batch", SimHarness.Json($$"""{"alerts":[{{body}},{"type":"csrf","asset_id":"srv_b","severity":"low"}]}"""), ct)).Dispose();
        await SimHarness.WaitUntilAsync(() => h.Simulator.Webhooks.PendingDeliveries == 0 && receiver.Requests.Count >= 2, ct);
        await Task.Delay(100, ct); // a third, wrong delivery would have arrived by now

        Assert.Equal(2, receiver.Requests.Count);
        // Deliveries run concurrently, so their arrival order is not part of the contract.
        Assert.Equal(["srv_a", "srv_b"], receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("asset_id").GetString()).Order());
    }

    [Fact]
    public async Task A_subscription_only_receives_the_event_types_it_asked_for()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver all = await WebhookReceiver.StartAsync(_ => 200, ct);
        await using WebhookReceiver resolvedOnly = await WebhookReceiver.StartAsync(_ => 200, ct);
        await using SimHarness h = await SimHarness.StartAsync(o =>
        {
            o.Webhooks.Add(new WebhookSubscription(all.Url, Secret));
            o.Webhooks.Add(new WebhookSubscription(resolvedOnly.Url, "other", ["alert.resolved"]));
        }, ct);

        Alert alert = h.Simulator.World.AddAlert("low", "open");
        h.Simulator.World.ResolveAlert(alert.Id);
        await SimHarness.WaitUntilAsync(() => all.Requests.Count == 2 && h.Simulator.Webhooks.PendingDeliveries == 0, ct);

        WebhookReceiver.Received only = Assert.Single(resolvedOnly.Requests);
        Assert.Equal("alert.resolved", only.EventType);
        Assert.Equal(IndependentSignature(only.Body, "other"), only.Signature);
    }

    [Fact]
    public async Task A_failing_subscriber_is_retried_with_exponential_backoff_on_the_TimeProvider()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(call => call <= 2 ? 503 : 200, ct);
        await using SimHarness h = await SimHarness.StartAsync(o => o.Webhooks.Add(new WebhookSubscription(receiver.Url, Secret)), ct);
        WebhookDispatcher hooks = h.Simulator.Webhooks;

        h.Simulator.World.AddAlert("medium", "open");
        await SimHarness.WaitUntilAsync(() => hooks.Deliveries().Count == 1, ct);
        Assert.Equal((1, 503, TimeSpan.FromSeconds(1)), (hooks.Deliveries()[0].Attempt, hooks.Deliveries()[0].StatusCode, hooks.Deliveries()[0].NextRetryIn));

        h.Time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(150, ct);
        Assert.Single(hooks.Deliveries()); // not before the backoff has passed
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await SimHarness.WaitUntilAsync(() => hooks.Deliveries().Count == 2, ct);
        Assert.Equal((2, 503, TimeSpan.FromSeconds(2)), (hooks.Deliveries()[1].Attempt, hooks.Deliveries()[1].StatusCode, hooks.Deliveries()[1].NextRetryIn));

        h.Time.Advance(TimeSpan.FromSeconds(2));
        await SimHarness.WaitUntilAsync(() => hooks.Deliveries().Count == 3 && hooks.PendingDeliveries == 0, ct);
        WebhookDelivery last = hooks.Deliveries()[2];
        Assert.Equal((3, 200, (TimeSpan?)null, true), (last.Attempt, last.StatusCode, last.NextRetryIn, last.Succeeded));
        Assert.Equal(SimHarness.Start + TimeSpan.FromSeconds(3), last.AttemptedAt);
        // Every attempt carried the identical body and signature, so the event id deduplicates.
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => Convert.ToHexString(r.Body)).Distinct());
        Assert.Single(receiver.Requests.Select(r => r.Signature).Distinct());
        Assert.Single(hooks.Deliveries().Select(d => d.EventId).Distinct());
    }

    [Fact]
    public async Task A_subscriber_that_never_succeeds_is_given_up_after_five_attempts()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(_ => 500, ct);
        await using SimHarness h = await SimHarness.StartAsync(o => o.Webhooks.Add(new WebhookSubscription(receiver.Url, Secret)), ct);
        WebhookDispatcher hooks = h.Simulator.Webhooks;

        h.Simulator.World.RaiseAssetVulnerable();
        for (int attempt = 1; attempt < WebhookDispatcher.MaxAttempts; attempt++)
        {
            await SimHarness.WaitUntilAsync(() => hooks.Deliveries().Count == attempt, ct);
            h.Time.Advance(WebhookDispatcher.RetryDelay(attempt));
        }
        await SimHarness.WaitUntilAsync(() => hooks.PendingDeliveries == 0, ct);

        Assert.Equal([1, 2, 4, 8, null], hooks.Deliveries().Select(d => d.NextRetryIn?.TotalSeconds));
        Assert.All(hooks.Deliveries(), d => Assert.Equal(500, d.StatusCode));
        Assert.Equal(5, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_network_failure_counts_as_a_failed_attempt_and_is_retried()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        // A port that was just free: nothing listens there, so the connection is refused.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using SimHarness h = await SimHarness.StartAsync(o =>
            o.Webhooks.Add(new WebhookSubscription(new Uri($"http://127.0.0.1:{port}/hook"), Secret)), ct);

        h.Simulator.World.AddAlert("low", "open");
        await SimHarness.WaitUntilAsync(() => h.Simulator.Webhooks.Deliveries().Count == 1, ct);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await SimHarness.WaitUntilAsync(() => h.Simulator.Webhooks.Deliveries().Count == 2, ct);

        WebhookDelivery first = h.Simulator.Webhooks.Deliveries()[0];
        Assert.Null(first.StatusCode);
        Assert.False(string.IsNullOrEmpty(first.Error));
        Assert.Equal(TimeSpan.FromSeconds(1), first.NextRetryIn);
        Assert.Equal(2, h.Simulator.Webhooks.Deliveries()[1].Attempt);
    }

    [Fact]
    public async Task Invalid_subscriptions_are_refused()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        Assert.Throws<ArgumentException>(() => h.Simulator.Webhooks.Subscribe(new WebhookSubscription(new Uri("ftp://127.0.0.1/x"), Secret)));
        Assert.Throws<ArgumentException>(() => h.Simulator.Webhooks.Subscribe(new WebhookSubscription(new Uri("http://127.0.0.1/x"), "")));
    }
}
