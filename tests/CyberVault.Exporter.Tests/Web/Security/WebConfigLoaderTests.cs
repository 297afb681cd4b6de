using System.Security.Authentication;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Web.Security;

namespace CyberVault.Exporter.Tests.Web.Security;

/// <summary>The exporter-toolkit web configuration read strictly: every mistake located and named.</summary>
public sealed class WebConfigLoaderTests : IDisposable
{
    private const string Tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

    private static readonly string Hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 4);

    private readonly TestPki _pki = TestPki.Create();

    /// <summary>The file's text and fragments its single error must contain (location, key path, value, advice).</summary>
    public static readonly TheoryData<string, string[]> InvalidFiles = new()
    {
        { "tls_config:\n  cert_file: server.crt\n", ["web.yml:1:1: tls_config: unknown key at the top level", "known keys: tls_server_config, http_server_config, basic_auth_users"] },
        { Tls + "  certfile: x\n", ["web.yml:4:3: tls_server_config.certfile: unknown key in tls_server_config (did you mean cert_file?)"] },
        { "tls_server_config:\n  cert_file: server.crt\n", ["web.yml:2:3: tls_server_config.key_file: missing; required: the server certificate's private key"] },
        { "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n", ["web.yml:2:14: tls_server_config.cert_file: nope.crt does not exist"] },
        { "tls_server_config:\n  cert_file: server.crt\n  key_file: client-ca.crt\n", ["tls_server_config.cert_file: the certificate", "cannot be loaded as a PEM key pair"] },
        { Tls + "  client_auth_type: RequireAndVerifyClientCerts\n  client_ca_file: client-ca.crt\n", ["web.yml:4:21: tls_server_config.client_auth_type: RequireAndVerifyClientCerts is not a client auth type (did you mean RequireAndVerifyClientCert?)"] },
        { Tls + "  client_ca_file: client-ca.crt\n", ["web.yml:4:3: tls_server_config.client_ca_file: client CAs are configured without a client auth policy"] },
        { Tls + "  client_auth_type: RequireAndVerifyClientCert\n", ["tls_server_config.client_ca_file: missing; required with client_auth_type RequireAndVerifyClientCert"] },
        { Tls + "  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [prometheus]\n", ["tls_server_config.client_allowed_sans: only applies to verified client certificates"] },
        { Tls + "  min_version: TLS11\n", ["web.yml:4:16: tls_server_config.min_version: TLS11 is not supported: TLS 1.0 and 1.1 are obsolete"] },
        { Tls + "  min_version: TLS14\n", ["tls_server_config.min_version: TLS14 is not a TLS version", "one of TLS12, TLS13"] },
        { Tls + "  min_version: TLS13\n  max_version: TLS12\n", ["web.yml:5:16: tls_server_config.max_version: TLS12 is below min_version TLS13"] },
        { Tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", ["web.yml:4:3: tls_server_config.cipher_suites: is not supported by this exporter"] },
        { Tls + "  curve_preferences: [X25519]\n", ["tls_server_config.curve_preferences: is not supported by this exporter"] },
        { Tls + "  cert: inline\n", ["web.yml:4:3: tls_server_config.cert: inline certificates are not supported", "cert_file"] },
        { "rate_limit:\n  burst: 10\n", ["web.yml:1:1: rate_limit: is not supported by this exporter"] },
        { "http_server_config:\n  headers:\n    Server: cybervault\n", ["web.yml:3:5: http_server_config.headers.Server: HTTP header \"Server\" cannot be configured", "allowed: Content-Security-Policy"] },
        { "http_server_config:\n  headers:\n    X-Frame-Options: allow\n", ["web.yml:3:22: http_server_config.headers.X-Frame-Options: allow is not allowed; one of deny, sameorigin"] },
        { "http_server_config:\n  http2: yes\n", ["web.yml:2:10: http_server_config.http2: yes is not a boolean"] },
        { "http_server_config:\n  h2: true\n", ["http_server_config.h2: unknown key in http_server_config", "known keys: http2, headers"] },
        { "basic_auth_users:\n  alice: plain-text-password\n", ["web.yml:2:10: basic_auth_users.alice: is not a bcrypt hash (value not shown)", "htpasswd -nBC 10"] },
        { "basic_auth_users:\n  \"a:b\": " + Hash + "\n", ["basic_auth_users.a:b: a user name cannot contain ':'"] },
        { "basic_auth_users:\n  alice: " + Hash + "\n  alice: " + Hash + "\n", ["web.yml:3:3: basic_auth_users.alice: duplicate key (first given on line 2)"] },
        { "basic_auth_users: [alice]\n", ["basic_auth_users: expected a mapping (key: value lines), got a list"] },
        { "tls_server_config:\n  cert_file: [server.crt\n", ["web.yml:", "YAML syntax error"] },
    };

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void An_invalid_web_configuration_is_refused_with_a_located_error(string yaml, string[] fragments)
    {
        var error = Assert.Throws<ConfigException>(() => Load(yaml));

        var message = Assert.Single(error.Errors).ToString();
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_password_pasted_instead_of_a_hash_is_not_repeated_in_the_error()
    {
        var error = Assert.Throws<ConfigException>(() => Load("basic_auth_users:\n  alice: correct-horse-battery\n"));

        Assert.DoesNotContain("correct-horse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_file_yields_tls_with_client_verification_users_and_headers()
    {
        var config = Load(Tls + """
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: client-ca.crt
              min_version: TLS13
              prefer_server_cipher_suites: true
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
            basic_auth_users:
              prometheus: 
            """ + Hash + "\n");

        Assert.NotNull(config.Tls);
        Assert.Equal(ClientAuthType.RequireAndVerifyClientCert, config.Tls.ClientAuth);
        Assert.Equal(SslProtocols.Tls13, config.Tls.Protocols);
        Assert.Equal("CN=127.0.0.1", config.Tls.Subject);
        Assert.False(config.Http2);
        Assert.Equal("deny", config.Headers["X-Frame-Options"]);
        Assert.Equal(Hash, config.Users["prometheus"]);
        Assert.Equal(
            [Path.Combine(_pki.Folder, "web.yml"), _pki.ServerCertFile, _pki.ServerKeyFile, _pki.ClientCaFile],
            config.Files);
    }

    [Fact]
    public void The_old_toolkit_spelling_RequireClientCert_means_RequireAnyClientCert_and_versions_default_to_TLS12_and_up()
    {
        var config = Load(Tls + "  client_auth_type: RequireClientCert\n");

        Assert.Equal(ClientAuthType.RequireAnyClientCert, config.Tls!.ClientAuth);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, config.Tls.Protocols);
        Assert.True(config.Http2);
    }

    [Theory]
    [InlineData("")]
    [InlineData("tls_server_config: {}\n")]
    [InlineData("basic_auth_users:\n")]
    public void A_file_without_settings_serves_plain_HTTP_without_basic_auth_as_in_the_toolkit(string yaml)
    {
        var config = Load(yaml);

        Assert.Equal("TLS off (plain HTTP); no basic auth; 0 extra header(s); HTTP/2 on", config.Describe());
        Assert.Null(config.Tls);
        Assert.False(config.BasicAuthEnabled);
        Assert.Empty(config.Headers);
    }

    [Fact]
    public void Basic_auth_without_tls_is_valid_but_described_with_a_warning()
    {
        var config = Load("basic_auth_users:\n  alice: " + Hash + "\n");

        Assert.Contains("WARNING: without TLS the passwords travel in clear", config.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var missing = Path.Combine(_pki.Folder, "absent.yml");

        var error = Assert.Throws<ConfigException>(() => WebConfigLoader.Load(missing));

        Assert.Contains($"{missing}: cannot read the file: it does not exist", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();

    private WebSecurityConfig Load(string yaml)
    {
        var file = Path.Combine(_pki.Folder, "web.yml");
        File.WriteAllText(file, yaml);
        // Loaded from inside the folder by its short name, so messages read "web.yml:line:column".
        return WebConfigLoader.Parse(File.ReadAllText(file), "web.yml", _pki.Folder);
    }
}
