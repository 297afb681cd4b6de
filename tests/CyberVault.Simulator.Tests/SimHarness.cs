using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Simulator.Tests;

/// <summary>A simulator on ephemeral loopback ports with a FakeTimeProvider, and clients that trust only its CA.</summary>
internal sealed class SimHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    public const string EnterpriseKey = "cv_test_enterprise_0001";

    private readonly List<HttpClient> _clients = [];

    private SimHarness(CyberVaultSimulator simulator, FakeTimeProvider time, string key)
    {
        Simulator = simulator;
        Time = time;
        Key = key;
        Client = CreateClient(key);
    }

    public CyberVaultSimulator Simulator { get; }
    public FakeTimeProvider Time { get; }
    public string Key { get; }

    /// <summary>Sends the harness key; base address is BaseUrl + "/", so relative paths like "alerts" work.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts with one Enterprise key (unless <paramref name="configure"/> adds keys) and no plain listener.</summary>
    public static async Task<SimHarness> StartAsync(Action<SimulatorOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var time = new FakeTimeProvider(Start);
        var options = new SimulatorOptions { TimeProvider = time, HttpPort = -1 };
        configure?.Invoke(options);
        if (options.Keys.Count == 0)
        {
            options.Keys.Add(new SimulatedApiKey(EnterpriseKey, SimulatedTier.Enterprise));
        }
        string key = options.Keys[0].Key;
        CyberVaultSimulator simulator = await CyberVaultSimulator.StartAsync(options, cancellationToken);
        return new SimHarness(simulator, time, key);
    }

    public HttpClient CreateClient(string? key)
    {
        var client = new HttpClient(SimulatorTrust.CreateHandler(Simulator.CaCertificate))
        {
            BaseAddress = new Uri(Simulator.BaseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _clients.Add(client);
        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string text = await response.Content.ReadAsStringAsync(ct);
        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Polls a condition on real time (for background work such as webhook sends); bounded.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }
            await Task.Delay(10, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (HttpClient client in _clients)
        {
            client.Dispose();
        }
        await Simulator.DisposeAsync();
    }
}
