using System.Text;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Simulator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests.Integration;

/// <summary>
/// The simulator on real HTTPS loopback and the exporter's engine sharing one FakeTimeProvider. The exporter uses
/// its production primary handler with the simulator's CA as tls.ca_file and its key from a file; fake time only
/// advances while no request is on the wire.
/// </summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    private readonly string _dir;

    private SimulatorHarness(FakeTimeProvider time, CyberVaultSimulator simulator, string key, string dir)
    {
        Time = time;
        Simulator = simulator;
        Key = key;
        _dir = dir;
        KeyFile = Path.Combine(dir, "key");
        CaFile = Path.Combine(dir, "ca.pem");
        File.WriteAllText(KeyFile, key + "\n");
        File.WriteAllText(CaFile, simulator.CaCertificatePem);
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
    }

    public FakeTimeProvider Time { get; }

    public CyberVaultSimulator Simulator { get; }

    public string Key { get; }

    public string KeyFile { get; }

    public string CaFile { get; }

    public InFlightCounter InFlight { get; } = new();

    public RecordingObserver Observer { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public SnapshotStore Store { get; } = new();

    public static async Task<SimulatorHarness> StartAsync(Action<ScenarioOptions>? scenario = null, SimulatedTier tier = SimulatedTier.Starter)
    {
        var time = TestSupport.NewTime();
        var key = "cv_sim_IntegrationKey_" + Guid.NewGuid().ToString("N");
        var options = new SimulatorOptions { TimeProvider = time };
        options.Keys.Add(new SimulatedApiKey(key, tier));
        scenario?.Invoke(options.Scenario);
        var simulator = await CyberVaultSimulator.StartAsync(options, TestContext.Current.CancellationToken);
        return new SimulatorHarness(time, simulator, key, Directory.CreateTempSubdirectory("cv-int-").FullName);
    }

    public TargetConfig Target(PollingConfig? polling = null, double share = 0.5, Uri? baseUrl = null, bool insecure = false) => new()
    {
        Name = "sim",
        BaseUrl = baseUrl ?? Simulator.BaseUrl,
        ApiKey = new ApiKeySource(KeyFile, null),
        Tier = Tier.Starter,
        BudgetShare = share,
        TlsCaFile = CaFile,
        AllowInsecureHttp = insecure,
        Polling = polling ?? new PollingConfig(),
    };

    public DirectCyberVaultApiFactory ApiFactory() => new(
        runtime => new InFlightHandler(CyberVaultHttp.CreatePrimaryHandler(runtime.Config), InFlight),
        Observer,
        Time,
        LoggerFactory);

    public (TargetPoller Poller, TargetRuntime Runtime) Poller(TargetConfig target)
    {
        var runtime = TargetRuntime.Create(target, Time, LoggerFactory.CreateLogger("budget"));
        var api = ApiFactory().Create(runtime);
        return (new TargetPoller(runtime, api, Store, Time, LoggerFactory.CreateLogger("poller")), runtime);
    }

    /// <summary>
    /// Nothing is on the wire but requests the simulator holds for a <see cref="Slow"/> fault: those wait for fake
    /// time, so it may advance.
    /// </summary>
    public bool Quiet => InFlight.Count <= Simulator.Faults.SlowRequestsWaiting;

    public Task DriveAsync(Task task, TimeSpan maxFake) =>
        TestSupport.DriveAsync(Time, task, TimeSpan.FromMilliseconds(100), maxFake, () => Quiet);

    public Task AdvanceAsync(TimeSpan total, Action? eachStep = null, TimeSpan? step = null) =>
        TestSupport.AdvanceAsync(Time, total, step ?? TimeSpan.FromMilliseconds(250), () =>
        {
            eachStep?.Invoke();
            return Quiet;
        });

    /// <summary>Every log line's message, exception and state, for the "key in no log line" check.</summary>
    public string AllLogText()
    {
        var text = new StringBuilder();
        foreach (var record in Logs.GetSnapshot())
        {
            text.AppendLine(record.Message).AppendLine(record.Exception?.ToString());
            foreach (var pair in record.StructuredState ?? [])
            {
                text.Append(pair.Key).Append('=').AppendLine(pair.Value);
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        LoggerFactory.Dispose();
        await Simulator.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
