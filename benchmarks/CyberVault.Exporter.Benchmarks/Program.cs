using System.Globalization;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Budget;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Simulator;
using Microsoft.Extensions.Time.Testing;

// Budget run: the exporter's poller against an in-process simulator at Starter tier, budget_share 0.5,
// 2,000 open alerts, for N simulated minutes (FakeTimeProvider shared by both; time only advances while no
// request is on the wire), then figures from the simulator's request log.
// Usage: [minutes] [--real-time]. --real-time runs on the system clock (the run then takes those minutes).
// Usage: webhook-latency [events] runs the webhook-to-/metrics latency benchmark instead (see WebhookLatency).
// Usage: metrics-load [connections] [seconds] runs /metrics under concurrent load instead (see MetricsLoad).
if (args is ["webhook-latency", .. var rest])
{
    return await CyberVault.Exporter.Benchmarks.WebhookLatency.RunAsync(rest);
}

if (args is ["metrics-load", .. var loadArgs])
{
    return await CyberVault.Exporter.Benchmarks.MetricsLoad.RunAsync(loadArgs);
}

var realTime = args.Contains("--real-time");
var numbers = args.Where(a => a != "--real-time").ToArray();
var minutes = numbers.Length > 0 ? double.Parse(numbers[0], CultureInfo.InvariantCulture) : 3;
var fake = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));
TimeProvider time = realTime ? TimeProvider.System : fake;
var key = "cv_bench_" + Guid.NewGuid().ToString("N");
var options = new SimulatorOptions { TimeProvider = time };
options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Starter));
foreach (var severity in new[] { "critical", "high", "medium", "low" })
{
    options.Scenario.AlertCounts[(severity, "open")] = 500;
}

await using var simulator = await CyberVaultSimulator.StartAsync(options);
var dir = Directory.CreateTempSubdirectory("cv-bench-").FullName;
try
{
    var keyFile = Path.Combine(dir, "key");
    var caFile = Path.Combine(dir, "ca.pem");
    await File.WriteAllTextAsync(keyFile, key);
    await File.WriteAllTextAsync(caFile, simulator.CaCertificatePem);
    var target = new TargetConfig
    {
        Name = "bench",
        BaseUrl = simulator.BaseUrl,
        ApiKey = new ApiKeySource(keyFile, null),
        Tier = Tier.Starter,
        BudgetShare = 0.5,
        TlsCaFile = caFile,
        Polling = new PollingConfig(),
    };

    var inFlight = 0;
    var factory = new DirectCyberVaultApiFactory(
        runtime => new CountingHandler(CyberVaultHttp.CreatePrimaryHandler(runtime.Config), () => Interlocked.Increment(ref inFlight), () => Interlocked.Decrement(ref inFlight)),
        new NullApiRequestObserver(),
        time);
    var runtime = TargetRuntime.Create(target, time);
    var store = new SnapshotStore();
    var poller = new TargetPoller(runtime, factory.Create(runtime), store, time);
    using var stop = new CancellationTokenSource();
    var run = poller.RunAsync(stop.Token);

    var end = time.GetUtcNow() + TimeSpan.FromMinutes(minutes);
    if (realTime)
    {
        await Task.Delay(TimeSpan.FromMinutes(minutes));
    }

    while (!realTime && time.GetUtcNow() < end)
    {
        await Task.Delay(1);
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(1);
        }

        fake.Advance(TimeSpan.FromMilliseconds(100));
    }

    await stop.CancelAsync();
    await run;

    var log = simulator.Requests.Snapshot();
    var times = log.Select(r => r.Time).OrderBy(t => t).ToList();
    var snapshot = store.Current().Single();
    var cycle = BudgetPlan.RequestsPerCycle(
        new Dictionary<string, long> { ["open"] = simulator.World.CountAlerts(null, "open"), ["investigating"] = simulator.World.CountAlerts(null, "investigating") },
        target.Polling.PageSize);
    Console.WriteLine(FormattableString.Invariant($"{(realTime ? "real" : "simulated")} minutes:            {minutes}"));
    Console.WriteLine(FormattableString.Invariant($"tier / share / budget rpm:    starter / 0.5 / {runtime.Budget.Plan.RequestsPerMinute} (burst {runtime.Budget.Plan.Capacity})"));
    Console.WriteLine(FormattableString.Invariant($"open alerts:                  {simulator.World.CountAlerts(null, "open")}"));
    Console.WriteLine(FormattableString.Invariant($"total requests:               {log.Count}"));
    Console.WriteLine(FormattableString.Invariant($"  status / alerts:            {log.Count(r => r.Path.EndsWith("/status", StringComparison.Ordinal))} / {log.Count(r => r.Path.EndsWith("/alerts", StringComparison.Ordinal))}"));
    Console.WriteLine(FormattableString.Invariant($"429 responses:                {log.Count(r => r.StatusCode == 429)}"));
    Console.WriteLine(FormattableString.Invariant($"max requests in any 60 s:     {MaxInWindow(times, TimeSpan.FromSeconds(60))}"));
    Console.WriteLine(FormattableString.Invariant($"max requests in any 1 s:      {MaxInWindow(times, TimeSpan.FromSeconds(1))}"));
    Console.WriteLine(FormattableString.Invariant($"requests per cycle:           {cycle} (1 status + pages per polled status)"));
    Console.WriteLine(FormattableString.Invariant($"alerts effective interval:    {snapshot.Collectors["alerts"].EffectiveInterval.TotalSeconds} s"));
    Console.WriteLine(FormattableString.Invariant($"budget wait seconds total:    {snapshot.BudgetWaitSecondsTotal:F1}"));
    Console.WriteLine(FormattableString.Invariant($"alert counts match the world: {snapshot.Alerts?.Counts.All(c => c.Value == simulator.World.CountAlerts(c.Key.Severity, c.Key.Status))}"));
    return log.Any(r => r.StatusCode == 429) ? 1 : 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

// Windows closed at both ends, the stricter reading.
static int MaxInWindow(List<DateTimeOffset> sorted, TimeSpan width)
{
    var max = 0;
    var start = 0;
    for (var end = 0; end < sorted.Count; end++)
    {
        while (sorted[end] - sorted[start] > width)
        {
            start++;
        }

        max = Math.Max(max, end - start + 1);
    }

    return max;
}

/// <summary>Counts requests on the wire so simulated time never jumps while one is in flight.</summary>
internal sealed class CountingHandler(HttpMessageHandler inner, Action enter, Action leave) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        enter();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        finally
        {
            leave();
        }
    }
}
