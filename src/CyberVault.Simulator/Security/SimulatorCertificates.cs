using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Simulator;

/// <summary>
/// An in-memory CA and a loopback server certificate signed by it, made at start-up (no files). Validity
/// uses the real clock, not the simulator's TimeProvider: TLS peers check it against real time.
/// </summary>
internal sealed class SimulatorCertificates : IDisposable
{
    private SimulatorCertificates(X509Certificate2 caPublic, X509Certificate2 server)
    {
        CaCertificate = caPublic;
        ServerCertificate = server;
        CaPem = caPublic.ExportCertificatePem();
    }

    /// <summary>The CA, public part only.</summary>
    public X509Certificate2 CaCertificate { get; }

    public string CaPem { get; }

    /// <summary>The leaf with its private key, for Kestrel.</summary>
    public X509Certificate2 ServerCertificate { get; }

    public static SimulatorCertificates Create()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=CyberVault Simulator Local CA, O=cybervault-exporter", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var caSki = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false);
        caRequest.CertificateExtensions.Add(caSki);
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(san.Build(true));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caSki));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 leafPublic = leafRequest.Create(ca, now.AddDays(-1), now.AddDays(90), serial);
        using X509Certificate2 leafWithKey = leafPublic.CopyWithPrivateKey(leafKey);
        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        X509Certificate2 server = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pkcs12), null);
        X509Certificate2 caPublic = X509CertificateLoader.LoadCertificate(ca.RawData);
        return new SimulatorCertificates(caPublic, server);
    }

    public void Dispose()
    {
        CaCertificate.Dispose();
        ServerCertificate.Dispose();
    }
}
