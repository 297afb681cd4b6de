using System.Net;
using System.Net.Http.Headers;

namespace CyberVault.Simulator.Tests.Hosting;

public sealed class CyberVaultSimulatorTests
{
    [Fact]
    public async Task Without_keys_a_Starter_key_is_generated_and_works()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using CyberVaultSimulator simulator = await CyberVaultSimulator.StartAsync(new SimulatorOptions { HttpPort = -1 }, ct);
        using var client = new HttpClient(SimulatorTrust.CreateHandler(simulator.CaCertificate));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", simulator.GeneratedKey);

        using HttpResponseMessage response = await client.GetAsync(simulator.BaseUrl + "/status", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("cv_sim_", simulator.GeneratedKey, StringComparison.Ordinal);
        Assert.Equal("15", Assert.Single(response.Headers.GetValues("X-RateLimit-Burst")));
    }

    [Fact]
    public async Task The_base_URL_is_HTTPS_on_loopback_ending_in_v2_and_the_plain_URL_is_HTTP()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using CyberVaultSimulator simulator = await CyberVaultSimulator.StartAsync(new SimulatorOptions(), ct);

        Assert.Matches(@"^https://127\.0\.0\.1:\d+/v2$", simulator.BaseUrl.ToString());
        Assert.Equal("http", simulator.PlainHttpUrl!.Scheme);
        Assert.Equal("127.0.0.1", simulator.PlainHttpUrl.Host);
        Assert.NotEqual(simulator.BaseUrl.Port, simulator.PlainHttpUrl.Port);
    }

    [Fact]
    public async Task Configured_keys_mean_no_generated_key()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var options = new SimulatorOptions { HttpPort = -1 };
        options.Keys.Add(new SimulatedApiKey("cv_mine", SimulatedTier.Professional));

        await using CyberVaultSimulator simulator = await CyberVaultSimulator.StartAsync(options, ct);

        Assert.Null(simulator.GeneratedKey);
        Assert.Equal(300, simulator.RateLimits.Peek("cv_mine").RequestsPerMinute);
    }

    [Fact]
    public async Task Invalid_options_are_refused_before_listening()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var badAddress = new SimulatorOptions { ListenAddress = "not-an-ip" };
        var badPort = new SimulatorOptions { HttpPort = -2 };
        var badTier = new SimulatorOptions();
        badTier.Keys.Add(new SimulatedApiKey("k", SimulatedTier.Custom));

        await Assert.ThrowsAsync<ArgumentException>(() => CyberVaultSimulator.StartAsync(badAddress, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CyberVaultSimulator.StartAsync(badPort, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => CyberVaultSimulator.StartAsync(badTier, ct));
    }

    [Fact]
    public async Task Disposing_twice_is_harmless_and_the_port_is_released()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        CyberVaultSimulator simulator = await CyberVaultSimulator.StartAsync(new SimulatorOptions { HttpPort = -1 }, ct);
        int port = simulator.BaseUrl.Port;

        await simulator.DisposeAsync();
        await simulator.DisposeAsync();

        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }
}
