using System.Globalization;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CyberVault.Exporter.Configuration;
using YamlDotNet.RepresentationModel;
using static CyberVault.Exporter.Configuration.ConfigLoader;

namespace CyberVault.Exporter.Web.Security;

/// <summary>
/// Reads <c>--web.config.file</c> in the exporter-toolkit's format, as strictly as <c>exporter.yml</c>: unknown keys,
/// wrong types, bad values, unreadable certificates and toolkit options this exporter cannot honour are errors naming
/// the key path and line. Relative file paths start at the file's folder, as in the toolkit.
/// </summary>
internal static partial class WebConfigLoader
{
    /// <exception cref="ConfigException">The file cannot be read or is invalid; lists every error.</exception>
    public static WebSecurityConfig Load(string path)
    {
        var text = ReadText(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        return Parse(text, path, directory);
    }

    /// <exception cref="ConfigException">The text is invalid; lists every error.</exception>
    public static WebSecurityConfig Parse(string yaml, string sourceName, string baseDirectory)
    {
        var stream = LoadYaml(yaml, sourceName);
        var reader = new Reader(sourceName, baseDirectory);
        var config = reader.Read(stream);
        return reader.Errors.Count > 0 || config is null ? throw new ConfigException(reader.Errors) : config;
    }

    /// <summary>A bcrypt hash as Go's x/crypto/bcrypt and htpasswd -B write it: $2a$, $2b$ or $2y$, cost, 53 characters.</summary>
    [GeneratedRegex(@"^\$2[aby]\$(?<cost>[0-9]{2})\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)]
    private static partial Regex BcryptHash();

    private sealed class Reader(string sourceName, string baseDirectory) : YamlNodeReader(sourceName, baseDirectory)
    {
        private const int MinBcryptCost = 4;
        private const int MaxBcryptCost = 31;

        private static readonly string[] RootKeys = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"];
        private static readonly string[] TlsKeys =
        [
            "cert_file", "key_file", "client_auth_type", "client_ca_file", "client_allowed_sans", "min_version", "max_version",
            "prefer_server_cipher_suites", "cipher_suites", "curve_preferences", "cert", "key", "client_ca",
        ];

        private static readonly string[] HttpKeys = ["http2", "headers"];

        /// <summary>The toolkit's settable headers and, where it fixes them, their allowed values.</summary>
        private static readonly Dictionary<string, string[]> AllowedHeaders = new(StringComparer.Ordinal)
        {
            ["Content-Security-Policy"] = [],
            ["X-Frame-Options"] = ["deny", "sameorigin"],
            ["X-Content-Type-Options"] = ["nosniff"],
            ["X-XSS-Protection"] = [],
            ["Strict-Transport-Security"] = [],
        };

        /// <summary>Toolkit keys this exporter refuses rather than ignore, with what to do instead.</summary>
        private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
        {
            ["rate_limit"] = "is not supported by this exporter; rate-limit in front of it (reverse proxy) if needed",
            ["cipher_suites"] = "is not supported by this exporter: .NET takes the cipher suites from the system's OpenSSL policy; remove the key",
            ["curve_preferences"] = "is not supported by this exporter: .NET takes the curves from the system's OpenSSL policy; remove the key",
            ["cert"] = "inline certificates are not supported by this exporter; put the PEM in a file and set cert_file",
            ["key"] = "inline keys are not supported by this exporter; put the PEM in a file and set key_file",
            ["client_ca"] = "inline CA certificates are not supported by this exporter; put the PEM in a file and set client_ca_file",
        };

        private readonly List<string> _files = [Path.GetFullPath(sourceName, baseDirectory)];

        public WebSecurityConfig? Read(YamlStream stream)
        {
            if (stream.Documents.Count > 1)
            {
                Error(stream.Documents[1].RootNode, "", "only one YAML document is allowed; remove the second '---'");
                return null;
            }

            var root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : null;
            if (root is null || IsNull(root))
            {
                // As in the toolkit: an empty file configures nothing (plain HTTP, no auth).
                return new WebSecurityConfig(Source, null, new Dictionary<string, string>(), new Dictionary<string, string>(), true, _files);
            }

            if (!AsMapping(root, "", out var mapping))
            {
                return null;
            }

            var keys = ReadKeys(mapping, "", RootKeys);
            RefuseUnsupported(keys, "");
            var tls = keys.TryGetValue("tls_server_config", out var tlsEntry) ? ReadTls(tlsEntry.Value, "tls_server_config") : null;
            var (headers, http2) = keys.TryGetValue("http_server_config", out var httpEntry)
                ? ReadHttp(httpEntry.Value, "http_server_config")
                : (new Dictionary<string, string>(), true);
            var users = keys.TryGetValue("basic_auth_users", out var usersEntry)
                ? ReadUsers(usersEntry.Value, "basic_auth_users")
                : new Dictionary<string, string>();
            return Errors.Count > 0 ? null : new WebSecurityConfig(Source, tls, users, headers, http2, _files);
        }

        private void RefuseUnsupported(Dictionary<string, Entry> keys, string path)
        {
            foreach (var (key, entry) in keys)
            {
                if (Unsupported.TryGetValue(key, out var message))
                {
                    Error(entry.Key, Join(path, key), message);
                }
            }
        }

        private TlsServerCredentials? ReadTls(YamlNode node, string path)
        {
            if (!AsMapping(node, path, out var mapping) || mapping.Children.Count == 0)
            {
                // Null or {}: no TLS, as the toolkit treats a TLS section without any setting.
                return null;
            }

            var before = Errors.Count;
            var keys = ReadKeys(mapping, path, TlsKeys);
            RefuseUnsupported(keys, path);
            var certFile = Required(keys, mapping, path, "cert_file", "the server certificate (PEM) file") is { } certEntry
                ? ReadWatchedFile(certEntry.Value, Join(path, "cert_file"))
                : null;
            var keyFile = Required(keys, mapping, path, "key_file", "the server certificate's private key (PEM) file") is { } keyEntry
                ? ReadWatchedFile(keyEntry.Value, Join(path, "key_file"))
                : null;
            var clientAuth = keys.TryGetValue("client_auth_type", out var authEntry)
                ? ReadClientAuth(authEntry.Value, Join(path, "client_auth_type"))
                : ClientAuthType.NoClientCert;
            var clientCas = ReadClientCas(keys, mapping, path, clientAuth);
            var protocols = ReadVersions(keys, path);
            var sans = keys.TryGetValue("client_allowed_sans", out var sansEntry)
                ? ReadStringList(sansEntry.Value, Join(path, "client_allowed_sans"))?.Select(s => s.Value).ToList()
                : [];
            if (sans is { Count: > 0 } && clientAuth is not (ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert))
            {
                Error(sansEntry!.Key, Join(path, "client_allowed_sans"), $"only applies to verified client certificates; set client_auth_type to RequireAndVerifyClientCert or VerifyClientCertIfGiven (it is {clientAuth})");
            }

            if (keys.TryGetValue("prefer_server_cipher_suites", out var preferEntry))
            {
                // Accepted for toolkit files; Go ignores it since 1.18 and so does this exporter.
                ReadBool(preferEntry.Value, Join(path, "prefer_server_cipher_suites"));
            }

            if (Errors.Count > before || certFile is null || keyFile is null || clientAuth is null || clientCas is null || protocols is null || sans is null)
            {
                return null;
            }

            try
            {
                return TlsServerCredentials.Load(certFile, keyFile, clientCas, clientAuth.Value, protocols.Value, sans);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                Error(mapping, Join(path, "cert_file"), $"the certificate {certFile} and key {keyFile} cannot be loaded as a PEM key pair: {e.Message}");
                return null;
            }
        }

        /// <summary>An existing file that the watch re-reads for changes (certificate, key, CA).</summary>
        private string? ReadWatchedFile(YamlNode node, string path)
        {
            var file = ReadExistingFile(node, path);
            if (file is not null)
            {
                _files.Add(file);
            }

            return file;
        }

        private ClientAuthType? ReadClientAuth(YamlNode node, string path)
        {
            var text = ReadString(node, path);
            if (text is null)
            {
                return null;
            }

            // "RequireClientCert" is the toolkit's old spelling of RequireAnyClientCert.
            if (text == "RequireClientCert")
            {
                return ClientAuthType.RequireAnyClientCert;
            }

            if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && Enum.TryParse<ClientAuthType>(text, ignoreCase: false, out var value) && Enum.IsDefined(value))
            {
                return value;
            }

            var names = Enum.GetNames<ClientAuthType>();
            Error(node, path, $"{Show(node)} is not a client auth type{DidYouMean(text, names)}; one of {string.Join(", ", names)}");
            return null;
        }

        /// <summary>Required by the verifying modes, refused without a policy (as the toolkit does).</summary>
        private X509Certificate2Collection? ReadClientCas(Dictionary<string, Entry> keys, YamlMappingNode mapping, string path, ClientAuthType? clientAuth)
        {
            var caPath = Join(path, "client_ca_file");
            var verifies = clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert;
            if (!keys.TryGetValue("client_ca_file", out var caEntry))
            {
                if (verifies)
                {
                    Error(mapping, caPath, $"missing; required with client_auth_type {clientAuth}: the CA certificates (PEM) client certificates must be signed by");
                    return null;
                }

                return [];
            }

            if (clientAuth == ClientAuthType.NoClientCert)
            {
                Error(caEntry.Key, caPath, "client CAs are configured without a client auth policy; set client_auth_type (e.g. RequireAndVerifyClientCert) or remove client_ca_file");
                return null;
            }

            var file = ReadWatchedFile(caEntry.Value, caPath);
            return file is null ? null : ReadPemCertificates(caEntry.Value, caPath, file);
        }

        private SslProtocols? ReadVersions(Dictionary<string, Entry> keys, string path)
        {
            var min = keys.TryGetValue("min_version", out var minEntry) ? ReadVersion(minEntry.Value, Join(path, "min_version")) : SslProtocols.Tls12;
            var max = keys.TryGetValue("max_version", out var maxEntry) ? ReadVersion(maxEntry.Value, Join(path, "max_version")) : SslProtocols.Tls13;
            if (min is null || max is null)
            {
                return null;
            }

            if (min > max)
            {
                Error(maxEntry!.Value, Join(path, "max_version"), $"{Show(maxEntry.Value)} is below min_version {Show(minEntry!.Value)}");
                return null;
            }

            return TlsVersions.Range(min.Value, max.Value);
        }

        private SslProtocols? ReadVersion(YamlNode node, string path)
        {
            var text = ReadString(node, path);
            if (text is null)
            {
                return null;
            }

            if (TlsVersions.ByName.TryGetValue(text, out var version))
            {
                return version;
            }

            Error(node, path, TlsVersions.Refused.Contains(text, StringComparer.Ordinal)
                ? $"{Show(node)} is not supported: TLS 1.0 and 1.1 are obsolete; use TLS12 or TLS13"
                : $"{Show(node)} is not a TLS version{DidYouMean(text, TlsVersions.ByName.Keys)}; one of {string.Join(", ", TlsVersions.ByName.Keys)}");
            return null;
        }

        private (Dictionary<string, string> Headers, bool Http2) ReadHttp(YamlNode node, string path)
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!AsMapping(node, path, out var mapping))
            {
                return (headers, true);
            }

            var keys = ReadKeys(mapping, path, HttpKeys);
            var http2 = !keys.TryGetValue("http2", out var http2Entry) || ReadBool(http2Entry.Value, Join(path, "http2")) != false;
            if (!keys.TryGetValue("headers", out var headersEntry) || !AsMapping(headersEntry.Value, Join(path, "headers"), out var headerMapping))
            {
                return (headers, http2);
            }

            foreach (var (keyNode, valueNode) in headerMapping.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "";
                var headerPath = Join(Join(path, "headers"), name);
                if (!AllowedHeaders.TryGetValue(name, out var allowedValues))
                {
                    Error(keyNode, headerPath, $"HTTP header \"{name}\" cannot be configured{DidYouMean(name, AllowedHeaders.Keys)}; allowed: {string.Join(", ", AllowedHeaders.Keys)}");
                    continue;
                }

                var value = ReadString(valueNode, headerPath);
                if (value is null)
                {
                    continue;
                }

                if (allowedValues.Length > 0 && !allowedValues.Contains(value, StringComparer.Ordinal))
                {
                    Error(valueNode, headerPath, $"{Show(valueNode)} is not allowed; one of {string.Join(", ", allowedValues)}");
                    continue;
                }

                if (value.Any(char.IsControl))
                {
                    Error(valueNode, headerPath, "a header value cannot contain control characters (line breaks)");
                    continue;
                }

                headers[name] = value;
            }

            return (headers, http2);
        }

        private Dictionary<string, string> ReadUsers(YamlNode node, string path)
        {
            var users = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!AsMapping(node, path, out var mapping))
            {
                return users;
            }

            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { Length: > 0 } user })
                {
                    Error(keyNode, path, $"user names must be plain non-empty names, got {Describe(keyNode)}");
                    continue;
                }

                var userPath = Join(path, user);
                if (user.Contains(':', StringComparison.Ordinal))
                {
                    // Basic auth sends "user:password"; a colon in the name can never match.
                    Error(keyNode, userPath, "a user name cannot contain ':'");
                    continue;
                }

                if (ReadString(valueNode, userPath) is not { } hash)
                {
                    continue;
                }

                // The hash is never shown: it is what an attacker would brute-force offline.
                var match = BcryptHash().Match(hash);
                if (!match.Success)
                {
                    Error(valueNode, userPath, "is not a bcrypt hash (value not shown); expected $2y$<cost>$ and 53 characters, e.g. from: htpasswd -nBC 10 \"\" | tr -d ':\\n'");
                    continue;
                }

                var cost = int.Parse(match.Groups["cost"].Value, CultureInfo.InvariantCulture);
                if (cost is < MinBcryptCost or > MaxBcryptCost)
                {
                    Error(valueNode, userPath, $"bcrypt cost {cost} is outside {MinBcryptCost}..{MaxBcryptCost}");
                    continue;
                }

                users[user] = hash;
            }

            return users;
        }
    }
}
