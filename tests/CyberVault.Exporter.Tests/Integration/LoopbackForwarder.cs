using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyberVault.Exporter.Tests.Integration;

internal enum ForwarderMode
{
    /// <summary>Every byte goes to the simulator and back: TLS is end to end.</summary>
    Forward,

    /// <summary>Nothing listens on the port: connecting fails with "connection refused".</summary>
    Refuse,

    /// <summary>TLS is answered here with a certificate from a CA nobody trusts.</summary>
    UnknownCa,
}

/// <summary>
/// A TCP port on 127.0.0.1 in front of the simulator that can stop listening or answer with a foreign certificate,
/// and go back to forwarding, on the same port: faults below HTTP that the simulator itself cannot make. Changing
/// the mode closes every open connection, so clients must connect afresh.
/// </summary>
internal sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IPEndPoint _upstream;
    private readonly X509Certificate2 _foreignCertificate;
    private TcpListener? _listener;
    private CancellationTokenSource _connections = new();
    private ForwarderMode _mode = ForwarderMode.Forward;

    private LoopbackForwarder(IPEndPoint upstream)
    {
        _upstream = upstream;
        _foreignCertificate = CreateForeignCertificate();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Listen(listener);
    }

    public int Port { get; }

    public static LoopbackForwarder Start(Uri upstream) => new(new IPEndPoint(IPAddress.Loopback, upstream.Port));

    /// <summary><paramref name="url"/> with the forwarder's port instead of the simulator's.</summary>
    public Uri Rebase(Uri url) => new UriBuilder(url) { Port = Port }.Uri;

    public void SetMode(ForwarderMode mode)
    {
        lock (_gate)
        {
            _connections.Cancel();
            _connections.Dispose();
            _connections = new CancellationTokenSource();
            _mode = mode;
            if (mode == ForwarderMode.Refuse)
            {
                _listener?.Stop();
                _listener = null;
            }
            else if (_listener is null)
            {
                var listener = new TcpListener(IPAddress.Loopback, Port);
                listener.Start();
                Listen(listener);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _connections.Cancel();
            _connections.Dispose();
            _listener?.Stop();
            _listener = null;
        }

        _foreignCertificate.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Listen(TcpListener listener)
    {
        _listener = listener;
        _ = Task.Run(() => AcceptLoopAsync(listener));
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            ForwarderMode mode;
            CancellationToken token;
            lock (_gate)
            {
                mode = _mode;
                token = _connections.Token;
            }

            _ = Task.Run(() => ServeAsync(client, mode, token));
        }
    }

    private async Task ServeAsync(TcpClient client, ForwarderMode mode, CancellationToken token)
    {
        using (client)
        {
            try
            {
                if (mode == ForwarderMode.UnknownCa)
                {
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions { ServerCertificate = _foreignCertificate },
                        token);
                    return;
                }

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(_upstream, token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                await Task.WhenAny(down.CopyToAsync(up, token), up.CopyToAsync(down, token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
            {
                // The client went away, refused our certificate, or the mode changed: the connection ends here.
            }
        }
    }

    private static X509Certificate2 CreateForeignCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1, O=Nobody's CA", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // A PKCS#12 round trip gives a key SslStream can use as a server on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
