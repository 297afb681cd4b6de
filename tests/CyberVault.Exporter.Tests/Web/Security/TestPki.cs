using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Exporter.Tests.Web.Security;

/// <summary>
/// A throw-away PKI in a temp folder: a server CA with a certificate for 127.0.0.1, a client CA with one client
/// certificate, and a client certificate from a CA the exporter does not trust. All PEM, as an operator would have.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private TestPki(DirectoryInfo dir)
    {
        Folder = dir.FullName;
        ServerCa = CreateCa("CN=cv-test server CA");
        ClientCa = CreateCa("CN=cv-test client CA");
        using var strangerCa = CreateCa("CN=cv-test stranger CA");
        Server = Issue(ServerCa, "CN=127.0.0.1", ServerAuth);
        Client = Issue(ClientCa, "CN=prometheus", ClientAuth);
        StrangerClient = Issue(strangerCa, "CN=prometheus", ClientAuth);
        WritePair(Server, ServerCertFile, ServerKeyFile);
        File.WriteAllText(ClientCaFile, ClientCa.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 ServerCa { get; }

    public X509Certificate2 ClientCa { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    /// <summary>Signed by a CA that is not in client_ca_file.</summary>
    public X509Certificate2 StrangerClient { get; }

    public string ServerCertFile => Path.Combine(Folder, "server.crt");

    public string ServerKeyFile => Path.Combine(Folder, "server.key");

    public string ClientCaFile => Path.Combine(Folder, "client-ca.crt");

    public static TestPki Create() => new(Directory.CreateTempSubdirectory("cv-pki-"));

    /// <summary>A second server certificate (same CA) written to the given files, for rotation tests.</summary>
    public X509Certificate2 RotateServerCertificate()
    {
        var next = Issue(ServerCa, "CN=127.0.0.1", ServerAuth);
        WritePair(next, ServerCertFile, ServerKeyFile);
        return next;
    }

    /// <summary>An HTTPS client that trusts only the server CA, optionally with a client certificate and fixed protocols.</summary>
    public HttpClient ClientFor(Uri address, X509Certificate2? clientCertificate = null, System.Security.Authentication.SslProtocols protocols = default, Action<X509Certificate2>? seen = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = protocols,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen?.Invoke(presented);
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ServerCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(presented);
                },
            },
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public void Dispose()
    {
        foreach (var certificate in new[] { ServerCa, ClientCa, Server, Client, StrangerClient })
        {
            certificate.Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder.
        }
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(IPAddress.Loopback);
        sans.AddDnsName(subject[3..]);
        request.CertificateExtensions.Add(sans.Build());
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePair(X509Certificate2 certificate, string certFile, string keyFile)
    {
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }
}
