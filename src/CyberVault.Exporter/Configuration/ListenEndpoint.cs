using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// A Prometheus-style listen address: <c>:9878</c> (every interface, IPv4 and IPv6), <c>127.0.0.1:9878</c>,
/// <c>[::1]:9878</c>, <c>0.0.0.0:9878</c> or <c>localhost:9878</c>. Port 0 asks the OS for a free port.
/// </summary>
/// <param name="Address">The interface to bind, or null for all interfaces (or for localhost, see <paramref name="IsLocalhost"/>).</param>
/// <param name="IsLocalhost">True for <c>localhost</c>: Kestrel binds both loopback addresses.</param>
internal sealed record ListenEndpoint(IPAddress? Address, bool IsLocalhost, int Port)
{
    public const int MinPort = 0;
    public const int MaxPort = 65535;

    public bool IsAnyAddress => Address is null && !IsLocalhost;

    public static ListenEndpoint Parse(string text) =>
        TryParse(text, out var endpoint, out var error)
            ? endpoint
            : throw new FormatException($"invalid listen address \"{text}\": {error}");

    /// <param name="error">Why the text is not a listen address; names the expected forms.</param>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListenEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        const string forms = "expected host:port, e.g. :9878, 127.0.0.1:9878, [::1]:9878 or localhost:9878";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"empty; {forms}";
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"missing port; {forms}";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > MaxPort)
        {
            error = $"port \"{portText}\" is not a number from {MinPort} to {MaxPort}; {forms}";
            return false;
        }

        if (host.Length == 0)
        {
            endpoint = new ListenEndpoint(null, false, port);
            error = null;
            return true;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                // Kestrel cannot bind a dynamic port on both loopback addresses at once.
                error = "localhost needs a fixed port; use 127.0.0.1:0 for a free port";
                return false;
            }

            endpoint = new ListenEndpoint(null, true, port);
            error = null;
            return true;
        }

        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || !IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"\"{host}\" is not a bracketed IPv6 address; {forms}";
                return false;
            }

            endpoint = new ListenEndpoint(v6, false, port);
            error = null;
            return true;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"an IPv6 address needs brackets, e.g. [::1]:{port}";
            return false;
        }

        if (!IPAddress.TryParse(host, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || host.Count(c => c == '.') != 3)
        {
            // Host names other than localhost would need a DNS lookup at bind time; an exporter binds an interface.
            error = $"\"{host}\" is not an IP address or localhost; {forms}";
            return false;
        }

        endpoint = new ListenEndpoint(v4, false, port);
        error = null;
        return true;
    }

    /// <summary>Adds this endpoint to Kestrel, letting the caller configure TLS and protocols.</summary>
    public void Listen(KestrelServerOptions options, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        configure ??= static _ => { };
        if (IsLocalhost)
        {
            options.ListenLocalhost(Port, configure);
        }
        else if (Address is null)
        {
            options.ListenAnyIP(Port, configure);
        }
        else
        {
            options.Listen(Address, Port, configure);
        }
    }

    /// <summary>The canonical spelling, e.g. <c>:9878</c> or <c>[::1]:9878</c>.</summary>
    public override string ToString() =>
        IsLocalhost ? $"localhost:{Port.ToString(CultureInfo.InvariantCulture)}"
        : Address is null ? $":{Port.ToString(CultureInfo.InvariantCulture)}"
        : new IPEndPoint(Address, Port).ToString();
}
