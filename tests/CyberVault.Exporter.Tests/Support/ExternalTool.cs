using System.Diagnostics;

namespace CyberVault.Exporter.Tests.Support;

/// <summary>
/// Real external programs (promtool, prometheus, alertmanager) used by tests. A missing program fails the test
/// when CI=true (.ci/run installs them) and skips it elsewhere, so a developer without them still gets a green run.
/// </summary>
internal static class ExternalTool
{
    public const string Promtool = "/usr/bin/promtool";

    /// <summary>Alertmanager's command-line tool (Debian package prometheus-alertmanager).</summary>
    public const string Amtool = "/usr/bin/amtool";

    public static string Require(string path, string debianPackage)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var message = $"{path} is missing; install the Debian package '{debianPackage}' (.ci/run does).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return path;
    }

    /// <summary>Runs a program to completion (bounded to 30 s), feeding it <paramref name="stdin"/>; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string arguments, string stdin)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>promtool check metrics on an exposition; returns promtool's complaints (empty when clean).</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition) =>
        await RunAsync(Require(Promtool, "prometheus"), "check metrics", exposition);
}
