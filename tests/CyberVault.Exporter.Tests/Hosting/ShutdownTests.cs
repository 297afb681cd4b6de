using System.Diagnostics;
using System.Security.Cryptography;
using CyberVault.Simulator;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Hosting;

/// <summary>
/// The real exporter program (the built cybervault-exporter.dll under `dotnet`) against a simulator whose answers
/// take 30 s, stopped the way an orchestrator stops it: SIGTERM.
/// </summary>
public sealed class ShutdownTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SIGTERM_ends_the_process_within_5_s_with_exit_code_0_cancelling_the_API_call_in_flight()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM is a POSIX signal");
        var key = "cv_shutdown_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new SimulatorOptions
        {
            HttpPort = -1,
            Scenario = new ScenarioOptions { Live = false },
            ConfigureLogging = logging => logging.ClearProviders(),
        };
        options.Keys.Add(new SimulatedApiKey(key, SimulatedTier.Enterprise));
        await using var simulator = await CyberVaultSimulator.StartAsync(options, Ct);
        simulator.Faults.Enqueue(new Slow(TimeSpan.FromSeconds(30)), count: 50);
        var dir = Directory.CreateTempSubdirectory("cv-shutdown-");
        Process? started = null;
        try
        {
            var config = await WriteConfigAsync(dir.FullName, simulator, key);
            var exporter = started = StartExporter(config, EndToEnd.ExternalServer.FreeLoopbackPort());
            var output = new Output(exporter);

            // Both collectors' first requests are held by the simulator: the exporter has calls in flight.
            await WaitForAsync(() => simulator.Faults.SlowRequestsWaiting >= 1 || exporter.HasExited, TimeSpan.FromSeconds(30), output);
            Assert.False(exporter.HasExited, output.Text);
            var clock = Stopwatch.StartNew();
            await SendSigtermAsync(exporter.Id);
            using var exitWait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            exitWait.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await exporter.WaitForExitAsync(exitWait.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"the exporter was still running 10 s after SIGTERM\n{output.Text}");
            }

            var took = clock.Elapsed;
            await exporter.WaitForExitAsync(Ct); // drains the redirected output
            Assert.True(took < TimeSpan.FromSeconds(5), $"exit took {took}\n{output.Text}");
            Assert.Equal(0, exporter.ExitCode);
            Assert.Contains("shutting down: cancelling in-flight API calls of 1 target(s)", output.Text, StringComparison.Ordinal);
            Assert.Contains("shutdown complete", output.Text, StringComparison.Ordinal);
            // The simulator saw the held requests aborted by the client (logged as status 0), not answered.
            await WaitForAsync(() => simulator.Faults.SlowRequestsWaiting == 0, TimeSpan.FromSeconds(5), output);
            Assert.Contains(simulator.Requests.Snapshot(), r => r.StatusCode == 0);
            Assert.DoesNotContain(simulator.Requests.Snapshot(), r => r.StatusCode == 200);
            Assert.DoesNotContain(key, output.Text, StringComparison.Ordinal);
        }
        finally
        {
            // A failed assertion must not leave the exporter running.
            if (started is { HasExited: false })
            {
                started.Kill(entireProcessTree: true);
            }

            started?.Dispose();
            dir.Delete(recursive: true);
        }
    }

    private static async Task<string> WriteConfigAsync(string dir, CyberVaultSimulator simulator, string key)
    {
        var keyFile = Path.Combine(dir, "api-key");
        var caFile = Path.Combine(dir, "ca.pem");
        var configFile = Path.Combine(dir, "exporter.yml");
        await File.WriteAllTextAsync(keyFile, key + "\n", Ct);
        await File.WriteAllTextAsync(caFile, simulator.CaCertificatePem, Ct);
        await File.WriteAllTextAsync(configFile, $"""
            targets:
              - name: slow
                base_url: {simulator.BaseUrl}
                api_key_file: {keyFile}
                tier: enterprise
                budget_share: 0.1
                tls:
                  ca_file: {caFile}

            """, Ct);
        return configFile;
    }

    private static Process StartExporter(string configFile, int port)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "cybervault-exporter.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references the exporter project");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--config.file", configFile, "--web.listen-address", $"127.0.0.1:{port}", "--log.level", "debug" })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Process.Kill sends SIGKILL; an orchestrator sends SIGTERM, which /bin/kill does too.</summary>
    private static async Task SendSigtermAsync(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, Output output)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {timeout}\n{output.Text}");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Everything the process printed, for the assertions and for a failure's message.</summary>
    private sealed class Output
    {
        private readonly System.Text.StringBuilder _text = new();

        public Output(Process process)
        {
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_text)
                {
                    _text.AppendLine(line);
                }
            }
        }
    }
}
