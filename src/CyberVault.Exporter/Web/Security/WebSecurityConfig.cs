using System.Security.Authentication;

namespace CyberVault.Exporter.Web.Security;

/// <summary>The client certificate policies of the exporter-toolkit, named as Go's <c>crypto/tls</c> names them.</summary>
internal enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// <summary>
/// One valid <c>--web.config.file</c> (exporter-toolkit format), with its TLS material already loaded so a swap on
/// reload can never leave the server with a certificate it cannot use.
/// </summary>
/// <param name="Source">The file, for log lines and errors.</param>
/// <param name="Tls">Null when the file has no <c>tls_server_config</c>: plain HTTP, as in the toolkit.</param>
/// <param name="Users">Basic auth users and their bcrypt hashes; empty means no basic auth.</param>
/// <param name="Headers">Response headers from <c>http_server_config.headers</c>, from the toolkit's allowed set.</param>
/// <param name="Http2">Whether HTTP/2 is offered (ALPN) on TLS connections.</param>
/// <param name="Files">Every file the configuration was built from (itself, certificate, key, client CA): a change to any is a reload.</param>
internal sealed record WebSecurityConfig(
    string Source,
    TlsServerCredentials? Tls,
    IReadOnlyDictionary<string, string> Users,
    IReadOnlyDictionary<string, string> Headers,
    bool Http2,
    IReadOnlyList<string> Files)
{
    public bool BasicAuthEnabled => Users.Count > 0;

    /// <summary>A short description for <c>--config.check</c> and the start-up log line.</summary>
    public string Describe()
    {
        var tls = Tls is null
            ? "TLS off (plain HTTP)"
            : $"TLS on ({Tls.Protocols}, certificate {Tls.Subject}), client certificates: {Tls.ClientAuth}";
        var auth = !BasicAuthEnabled ? "no basic auth"
            : Tls is null ? $"basic auth for {Users.Count} user(s) (WARNING: without TLS the passwords travel in clear)"
            : $"basic auth for {Users.Count} user(s)";
        return $"{tls}; {auth}; {Headers.Count} extra header(s); HTTP/2 {(Http2 ? "on" : "off")}";
    }
}

/// <summary>The exporter-toolkit's TLS versions; TLS 1.0 and 1.1 are refused (see <see cref="WebConfigLoader"/>).</summary>
internal static class TlsVersions
{
    public static readonly IReadOnlyDictionary<string, SslProtocols> ByName = new Dictionary<string, SslProtocols>(StringComparer.Ordinal)
    {
        ["TLS12"] = SslProtocols.Tls12,
        ["TLS13"] = SslProtocols.Tls13,
    };

    public static readonly IReadOnlyList<string> Refused = ["TLS10", "TLS11"];

    /// <summary>Every protocol from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static SslProtocols Range(SslProtocols min, SslProtocols max) =>
        ByName.Values.Where(v => v >= min && v <= max).Aggregate(SslProtocols.None, (all, v) => all | v);
}
