using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CyberVault.Exporter.Benchmarks;

/// <summary>
/// /metrics under load: the real exporter process (<c>cybervault-exporter --demo</c>, so it polls the live simulator
/// all the while) is scraped by N concurrent connections for S seconds on 127.0.0.1. The exporter runs in its own
/// process so its memory is measured alone: its resident set is read from /proc every second. At the end it gets
/// SIGTERM and the time to exit is measured too. Every loop is bounded in time and in count.
/// Prints requests, errors, throughput, latency percentiles, resident memory after warm-up, at the peak and at the
/// end, and the growth over the second half of the run (flat memory shows as about zero).
/// </summary>
internal static class MetricsLoad
{
    private const int MaxRequestsPerConnection = 200_000;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var connections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var duration = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 30);
        var port = FreeLoopbackPort();
        var exporterDll = Path.Combine(AppContext.BaseDirectory, "cybervault-exporter.dll");
        using var exporter = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { exporterDll, "--demo", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start the exporter");
        exporter.OutputDataReceived += (_, _) => { };
        exporter.ErrorDataReceived += (_, _) => { };
        exporter.BeginOutputReadLine();
        exporter.BeginErrorReadLine();
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitReadyAsync(http);

            // Warm-up with the full load (JIT, connection pool, Kestrel buffers), not measured.
            await LoadAsync(http, connections, WarmUp);
            var baselineRss = ResidentBytes(exporter.Id);

            var samples = new List<(double Seconds, long Rss)>();
            var clock = Stopwatch.StartNew();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    samples.Add((clock.Elapsed.TotalSeconds, ResidentBytes(exporter.Id)));
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), sampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            });

            var result = await LoadAsync(http, connections, duration);
            var elapsed = clock.Elapsed;
            await sampling.CancelAsync();
            await sampler;

            var all = result.Latencies.OrderBy(l => l).ToList();
            var half = samples.Where(s => s.Seconds >= elapsed.TotalSeconds / 2).ToList();
            var growth = half.Count > 1 ? half[^1].Rss - half[0].Rss : 0;
            Console.WriteLine(FormattableString.Invariant($"connections / duration:     {connections} / {duration.TotalSeconds:F0} s (after a {WarmUp.TotalSeconds:F0} s warm-up), exporter --demo polling meanwhile"));
            Console.WriteLine(FormattableString.Invariant($"requests / errors:          {all.Count + result.Errors} / {result.Errors}{(result.FirstError is null ? "" : " (first: " + result.FirstError + ")")}"));
            Console.WriteLine(FormattableString.Invariant($"throughput:                 {all.Count / elapsed.TotalSeconds:F0} scrapes/s"));
            if (all.Count > 0)
            {
                Console.WriteLine(FormattableString.Invariant($"latency p50 / p99 / max:    {Stats.Percentile(all, 0.50):F1} / {Stats.Percentile(all, 0.99):F1} / {all[^1]:F1} ms"));
            }

            Console.WriteLine(FormattableString.Invariant($"exporter RSS after warm-up: {Mb(baselineRss):F1} MB"));
            Console.WriteLine(FormattableString.Invariant($"exporter RSS peak / end:    {Mb(samples.Max(s => s.Rss)):F1} / {Mb(samples[^1].Rss):F1} MB"));
            Console.WriteLine(FormattableString.Invariant($"RSS change, second half:    {Mb(growth):+0.0;-0.0} MB"));
            Console.WriteLine("RSS every 5 s (MB):         " + string.Join(" ", samples.Where((_, i) => i % 5 == 0).Select(s => Mb(s.Rss).ToString("F0", CultureInfo.InvariantCulture))));

            var shutdown = await TerminateAsync(exporter);
            Console.WriteLine(FormattableString.Invariant($"SIGTERM to exit:            {shutdown.TotalMilliseconds:F0} ms (exit code {exporter.ExitCode})"));
            return result.Errors == 0 && all.Count > 0 ? 0 : 1;
        }
        finally
        {
            if (!exporter.HasExited)
            {
                exporter.Kill(entireProcessTree: true);
            }
        }
    }

    private sealed record LoadResult(List<double> Latencies, int Errors, string? FirstError);

    /// <summary>N loops, each scraping one after another until the time is up (or its request cap is reached).</summary>
    private static async Task<LoadResult> LoadAsync(HttpClient http, int connections, TimeSpan duration)
    {
        var errors = 0;
        string? firstError = null;
        var perWorker = new List<double>[connections];
        var end = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = perWorker[worker] = new List<double>(1024);
            for (var i = 0; i < MaxRequestsPerConnection && end.Elapsed < duration; i++)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    using var response = await http.GetAsync("/metrics", HttpCompletionOption.ResponseContentRead);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK || !body.Contains("\ncybervault_up{", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}", null);
                        continue;
                    }

                    mine.Add(clock.Elapsed.TotalMilliseconds);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return new LoadResult([.. perWorker.SelectMany(l => l)], errors, firstError);
    }

    private static async Task WaitReadyAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the exporter was not ready within {ReadyTimeout.TotalSeconds} s");
    }

    /// <summary>Sends SIGTERM (kill -TERM) and waits up to 30 s for the process to exit.</summary>
    private static async Task<TimeSpan> TerminateAsync(Process process)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return clock.Elapsed;
    }

    /// <summary>VmRSS of a process from /proc (Linux), in bytes.</summary>
    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
