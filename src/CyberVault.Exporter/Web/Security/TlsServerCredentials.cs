using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Exporter.Web.Security;

/// <summary>
/// The loaded <c>tls_server_config</c>: server certificate (with any intermediates from <c>cert_file</c>), the client
/// CAs and the policy. Every TLS handshake asks for <see cref="ServerOptions"/> of the credentials in use then, so a
/// reload swaps certificate, CA and policy for new connections without restarting the listener.
/// </summary>
internal sealed class TlsServerCredentials
{
    /// <summary>TLS Web Client Authentication: Go's crypto/tls requires it of client certificates, and so do we.</summary>
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly SslStreamCertificateContext _certificate;
    private readonly X509Certificate2Collection _clientCas;
    private readonly IReadOnlyList<string> _allowedSans;

    private TlsServerCredentials(
        SslStreamCertificateContext certificate,
        X509Certificate2Collection clientCas,
        ClientAuthType clientAuth,
        SslProtocols protocols,
        IReadOnlyList<string> allowedSans)
    {
        _certificate = certificate;
        _clientCas = clientCas;
        ClientAuth = clientAuth;
        Protocols = protocols;
        _allowedSans = allowedSans;
    }

    public ClientAuthType ClientAuth { get; }

    public SslProtocols Protocols { get; }

    /// <summary>The server certificate's subject, for log lines.</summary>
    public string Subject => _certificate.TargetCertificate.Subject;

    /// <summary>Reads the PEM files; throws what the files' problems are (the loader turns them into located errors).</summary>
    /// <exception cref="CryptographicException">The certificate or key cannot be read, or they do not belong together.</exception>
    public static TlsServerCredentials Load(
        string certFile,
        string keyFile,
        X509Certificate2Collection clientCas,
        ClientAuthType clientAuth,
        SslProtocols protocols,
        IReadOnlyList<string> allowedSans)
    {
        ArgumentNullException.ThrowIfNull(clientCas);
        var leaf = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certFile);
        // The first certificate is the leaf (paired with the key above); the rest are intermediates to send along.
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in chain.Skip(1))
        {
            intermediates.Add(certificate);
        }

        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new TlsServerCredentials(context, clientCas, clientAuth, protocols, allowedSans);
    }

    /// <summary>The options for one handshake.</summary>
    public SslServerAuthenticationOptions ServerOptions(bool http2) => new()
    {
        ServerCertificateContext = _certificate,
        EnabledSslProtocols = Protocols,
        ClientCertificateRequired = ClientAuth != ClientAuthType.NoClientCert,
        RemoteCertificateValidationCallback = ClientAuth == ClientAuthType.NoClientCert ? null : ValidateClient,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ApplicationProtocols = http2
            ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]
            : [SslApplicationProtocol.Http11],
    };

    /// <summary>Decides on the client's certificate as Go's <c>tls.ClientAuthType</c> of the same name does.</summary>
    internal bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return ClientAuth is ClientAuthType.RequestClientCert or ClientAuthType.VerifyClientCertIfGiven;
        }

        if (ClientAuth is ClientAuthType.RequestClientCert or ClientAuthType.RequireAnyClientCert)
        {
            // Asked for (and passed on), not verified: the toolkit's modes for a proxy that checks it elsewhere.
            return true;
        }

        var client = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return ChainsToClientCa(client, chain) && HasAllowedSan(client);
    }

    private bool ChainsToClientCa(X509Certificate2 client, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediates the client sent with its certificate.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(client);
    }

    /// <summary><c>client_allowed_sans</c>: when given, one of the certificate's SANs must be in the list.</summary>
    private bool HasAllowedSan(X509Certificate2 client)
    {
        if (_allowedSans.Count == 0)
        {
            return true;
        }

        var extension = client.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var sans = extension.EnumerateDnsNames().Concat(extension.EnumerateIPAddresses().Select(a => a.ToString()));
        return sans.Any(san => _allowedSans.Contains(san, StringComparer.Ordinal));
    }
}
