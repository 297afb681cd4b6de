using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using CyberVault.Exporter.Tests.Webhooks;
using CyberVault.Exporter.Webhooks;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Web.Security;

/// <summary>--web.config.file on the real host: HTTPS, client certificates, TLS versions, basic auth, headers, reload.</summary>
public sealed class WebSecurityTests
{
    private static readonly string AliceHash = BCrypt.Net.BCrypt.HashPassword("alice-pw", 4);
    private static readonly string BobHash = BCrypt.Net.BCrypt.HashPassword("bob-pw", 4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_tls_metrics_are_served_over_https_and_plain_http_gets_no_answer()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls(), ct: Ct);
        using var https = host.Pki.ClientFor(host.Address);
        using var plain = new HttpClient { BaseAddress = new UriBuilder(host.Address) { Scheme = "http" }.Uri, Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal("https", host.Address.Scheme);
        var metrics = await https.GetStringAsync("/metrics", Ct);
        Assert.Contains("cybervault_exporter_build_info", metrics, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/metrics", Ct));
    }

    [Fact]
    public async Task RequireAndVerifyClientCert_refuses_no_certificate_and_a_stranger_and_serves_a_client_of_the_CA()
    {
        await using var host = await WebSecurityHost.StartAsync(
            WebSecurityHost.Tls("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n"), ct: Ct);
        using var anonymous = host.Pki.ClientFor(host.Address);
        using var stranger = host.Pki.ClientFor(host.Address, host.Pki.StrangerClient);
        using var client = host.Pki.ClientFor(host.Address, host.Pki.Client);

        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync("/metrics", Ct));
        await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync("/metrics", Ct));
        using var response = await client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task VerifyClientCertIfGiven_serves_a_client_without_a_certificate_but_refuses_a_stranger()
    {
        await using var host = await WebSecurityHost.StartAsync(
            WebSecurityHost.Tls("  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: client-ca.crt\n"), ct: Ct);
        using var anonymous = host.Pki.ClientFor(host.Address);
        using var stranger = host.Pki.ClientFor(host.Address, host.Pki.StrangerClient);

        using var response = await anonymous.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync("/healthz", Ct));
    }

    [Fact]
    public async Task Min_version_TLS13_refuses_a_TLS12_only_client()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls("  min_version: TLS13\n"), ct: Ct);
        using var tls12 = host.Pki.ClientFor(host.Address, protocols: SslProtocols.Tls12);
        using var tls13 = host.Pki.ClientFor(host.Address, protocols: SslProtocols.Tls13);

        await Assert.ThrowsAsync<HttpRequestException>(() => tls12.GetAsync("/healthz", Ct));
        using var response = await tls13.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Http2_is_negotiated_by_default_and_not_with_http2_false()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls(), ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        using (var response = await client.SendAsync(request, Ct))
        {
            Assert.Equal(HttpVersion.Version20, response.Version);
        }

        await host.RewriteAndWatchAsync(WebSecurityHost.Tls() + "http_server_config:\n  http2: false\n");
        using var fresh = host.Pki.ClientFor(host.Address);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/healthz") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        using var downgraded = await fresh.SendAsync(again, Ct);
        Assert.Equal(HttpVersion.Version11, downgraded.Version);
    }

    [Fact]
    public async Task Basic_auth_answers_401_without_credentials_with_a_wrong_password_and_for_an_unknown_user()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n", ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);

        foreach (var credentials in new (string User, string Password)?[] { null, ("alice", "wrong"), ("mallory", "alice-pw"), ("alice", "") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (credentials is var (user, password))
            {
                request.Headers.Authorization = Basic(user, password);
            }

            using var response = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
            Assert.DoesNotContain("cybervault_", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/readyz")]
    [InlineData("POST", "/-/reload")]
    public async Task Every_exporter_endpoint_is_behind_basic_auth_and_served_with_the_right_password(string method, string path)
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n", ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        using var anonymous = new HttpRequestMessage(new HttpMethod(method), path);
        using var authorized = new HttpRequestMessage(new HttpMethod(method), path) { Headers = { Authorization = Basic("alice", "alice-pw") } };

        using var refused = await client.SendAsync(anonymous, Ct);
        using var served = await client.SendAsync(authorized, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // /readyz may still be 503 (no poll yet); what matters is that the endpoint itself answered.
        Assert.NotEqual(HttpStatusCode.Unauthorized, served.StatusCode);
        Assert.True(served.StatusCode is HttpStatusCode.OK || path == "/readyz", $"{path}: {served.StatusCode}");
    }

    [Fact]
    public async Task A_webhook_path_is_not_behind_basic_auth_and_keeps_its_signature_check()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n", webhookTargets: ["alpha"], ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        var body = Encoding.UTF8.GetBytes(WebhookTestHost.Event("user.created", "evt_1"));

        using var signed = new HttpRequestMessage(HttpMethod.Post, "/webhooks/alpha") { Content = new ByteArrayContent(body) };
        signed.Headers.Add(WebhookSignature.Header, WebhookTestHost.Sign(body, "whsec_reload_alpha"));
        using var accepted = await client.SendAsync(signed, Ct);
        using var unsigned = await client.PostAsync("/webhooks/alpha", new ByteArrayContent(body), Ct);

        Assert.True(accepted.IsSuccessStatusCode, $"signed delivery got {accepted.StatusCode}");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        // Refused by the HMAC check, not by basic auth.
        Assert.Empty(unsigned.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Configured_headers_are_on_every_answer_of_the_exporter_endpoints_including_401()
    {
        await using var host = await WebSecurityHost.StartAsync(
            WebSecurityHost.Tls() + $"http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\nbasic_auth_users:\n  alice: {AliceHash}\n",
            ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = Basic("alice", "alice-pw") } };

        using var served = await client.SendAsync(authorized, Ct);
        using var refused = await client.GetAsync("/", Ct);

        foreach (var response in new[] { served, refused })
        {
            Assert.Equal("deny", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        }
    }

    [Fact]
    public async Task A_changed_file_is_picked_up_and_a_broken_change_keeps_the_last_good_one()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n", ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, "bob", "bob-pw"));

        await host.RewriteAndWatchAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n  bob: {BobHash}\n");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "bob", "bob-pw"));

        await host.RewriteAndWatchAsync(WebSecurityHost.Tls() + "basic_auth_users:\n  bob: not-a-hash\n");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "bob", "bob-pw"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "alice", "alice-pw"));
        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("web-config.yml:5:8: basic_auth_users.bob: is not a bcrypt hash", rejected.Message, StringComparison.Ordinal);

        // Unchanged since: no second error line on the next look.
        host.Time.Advance(Exporter.Web.Security.WebConfigWatcher.Interval);
        Assert.Single(host.Logs.GetSnapshot(), r => r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task A_renewed_certificate_on_disk_is_served_to_new_connections_without_a_restart()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls(), ct: Ct);
        var seen = new List<string>();
        using (var before = host.Pki.ClientFor(host.Address, seen: c => seen.Add(c.SerialNumber)))
        {
            await before.GetStringAsync("/healthz", Ct);
        }

        var renewed = host.Pki.RotateServerCertificate();
        host.Time.Advance(Exporter.Web.Security.WebConfigWatcher.Interval);
        using (var after = host.Pki.ClientFor(host.Address, seen: c => seen.Add(c.SerialNumber)))
        {
            await after.GetStringAsync("/healthz", Ct);
        }

        Assert.Equal([host.Pki.Server.SerialNumber, renewed.SerialNumber], seen);
        renewed.Dispose();
    }

    [Fact]
    public async Task POST_reload_with_a_broken_web_config_is_rejected_naming_it_and_changes_nothing()
    {
        await using var host = await WebSecurityHost.StartAsync(WebSecurityHost.Tls() + $"basic_auth_users:\n  alice: {AliceHash}\n", ct: Ct);
        using var client = host.Pki.ClientFor(host.Address);
        // Written without letting the watch look, so the reload is what finds it.
        await File.WriteAllTextAsync(host.WebConfigFile, "basic_auth_users:\n  alice: " + AliceHash + "\n", Ct);

        using var reload = new HttpRequestMessage(HttpMethod.Post, "/-/reload") { Headers = { Authorization = Basic("alice", "alice-pw") } };
        using var response = await client.SendAsync(reload, Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("tls_server_config: the new file turns TLS off; that needs a restart", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "alice", "alice-pw"));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = Basic(user, password) } };
        using var response = await client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
