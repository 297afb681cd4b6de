using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Simulator;

/// <summary>HTTP clients that trust the simulator's CA and nothing else (never "accept any certificate").</summary>
public static class SimulatorTrust
{
    /// <summary>
    /// A handler whose TLS validation builds the chain with <paramref name="ca"/> as the only root
    /// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), still checking the host name and validity.
    /// Redirects are not followed, so a bearer key is never replayed to another URL.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        // A private copy: the caller may dispose theirs while the handler lives on.
        X509Certificate2 root = X509CertificateLoader.LoadCertificate(ca.RawData);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        handler.SslOptions.CertificateChainPolicy = CreateChainPolicy(root);
        return handler;
    }

    /// <summary>The chain policy used by <see cref="CreateHandler"/>, for clients that build their own handler.</summary>
    public static X509ChainPolicy CreateChainPolicy(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(ca);
        return policy;
    }
}
