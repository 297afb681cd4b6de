using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Simulator.Tests.Security;

public sealed class SimulatorTrustTests
{
    [Fact]
    public async Task A_client_without_the_simulator_CA_refuses_the_connection()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        using var client = new HttpClient();

        HttpRequestException ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(h.Simulator.BaseUrl + "/status", ct));

        Assert.IsType<AuthenticationException>(ex.InnerException);
    }

    [Fact]
    public async Task A_client_trusting_another_simulator_CA_refuses_the_connection()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness a = await SimHarness.StartAsync(cancellationToken: ct);
        await using SimHarness b = await SimHarness.StartAsync(cancellationToken: ct);
        using var client = new HttpClient(SimulatorTrust.CreateHandler(b.Simulator.CaCertificate));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(a.Simulator.BaseUrl + "/status", ct));
    }

    [Fact]
    public async Task The_certificate_is_valid_for_localhost_too()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);
        using var client = new HttpClient(SimulatorTrust.CreateHandler(h.Simulator.CaCertificate));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{h.Simulator.BaseUrl.Port}/v2/status");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + h.Key);

        using HttpResponseMessage response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_CA_is_published_as_PEM_without_its_private_key()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using SimHarness h = await SimHarness.StartAsync(cancellationToken: ct);

        using X509Certificate2 fromPem = X509Certificate2.CreateFromPem(h.Simulator.CaCertificatePem);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", h.Simulator.CaCertificatePem, StringComparison.Ordinal);
        Assert.Equal(h.Simulator.CaCertificate.Thumbprint, fromPem.Thumbprint);
        Assert.False(h.Simulator.CaCertificate.HasPrivateKey);
        Assert.True(Assert.Single(h.Simulator.CaCertificate.Extensions.OfType<X509BasicConstraintsExtension>()).CertificateAuthority);
    }

    [Fact]
    public void The_handler_does_not_follow_redirects()
    {
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(TestCa);
        using SocketsHttpHandler handler = SimulatorTrust.CreateHandler(ca);

        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, handler.SslOptions.CertificateChainPolicy!.TrustMode);
        Assert.Single(handler.SslOptions.CertificateChainPolicy.CustomTrustStore);
    }

    private static string TestCa
    {
        get
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            var request = new CertificateRequest("CN=test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return cert.ExportCertificatePem();
        }
    }
}
