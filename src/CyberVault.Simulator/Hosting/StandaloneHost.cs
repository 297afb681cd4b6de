using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

internal static class StandaloneHost
{
    private const string Usage = """
        Usage: CyberVault.Simulator [options]
          --https-port N     HTTPS port (default 9443; 0 = any free port)
          --http-port N      plain-HTTP port that answers 301 (default 9080; -1 = none)
          --tier T           starter | professional | enterprise | custom (default starter)
          --rpm N --burst N  the custom tier's requests per minute and burst
          --key K            the API key to accept (default: a generated one, printed below)
          --seed N           seed of the initial world (default 42)
          --alerts N         seeded alerts per severity and status (default 3)
          --live | --no-live whether the world moves (default --live)
          --ca-out FILE      where to write the CA certificate (default: <temp>/cybervault-simulator-ca.pem)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new SimulatorOptions
        {
            HttpsPort = 9443,
            HttpPort = 9080,
            EnableControlEndpoint = true,
            ConfigureLogging = logging => logging
                .AddSimpleConsole(c => c.SingleLine = true)
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning),
        };
        options.Scenario.Live = true;
        string? key = null;
        var tier = SimulatedTier.Starter;
        int? rpm = null, burst = null;
        string caOut = Path.Combine(Path.GetTempPath(), "cybervault-simulator-ca.pem");
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                int NextInt() => int.TryParse(Next(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
                    ? n
                    : throw new ArgumentException($"{args[i - 1]} needs an integer.");
                switch (args[i])
                {
                    case "--https-port": options.HttpsPort = NextInt(); break;
                    case "--http-port": options.HttpPort = NextInt(); break;
                    case "--tier":
                        tier = Enum.TryParse(Next(), ignoreCase: true, out SimulatedTier t) && Enum.IsDefined(t)
                            ? t
                            : throw new ArgumentException("--tier must be starter, professional, enterprise or custom.");
                        break;
                    case "--rpm": rpm = NextInt(); break;
                    case "--burst": burst = NextInt(); break;
                    case "--key": key = Next(); break;
                    case "--seed": options.Scenario.Seed = NextInt(); break;
                    case "--alerts": options.Scenario.AlertsPerSeverityAndStatus = NextInt(); break;
                    case "--live": options.Scenario.Live = true; break;
                    case "--no-live": options.Scenario.Live = false; break;
                    case "--ca-out": caOut = Path.GetFullPath(Next()); break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"Unknown option {args[i]}.");
                }
            }
            key ??= "cv_sim_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
            options.Keys.Add(new SimulatedApiKey(key, tier, rpm, burst));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}\n\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        CyberVaultSimulator simulator;
        try
        {
            simulator = await CyberVaultSimulator.StartAsync(options).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            // Bad figures (e.g. --tier custom without --rpm/--burst) or a port already in use.
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        await using CyberVaultSimulator running = simulator;
        await File.WriteAllTextAsync(caOut, simulator.CaCertificatePem).ConfigureAwait(false);
        (int perMinute, int burstAllowance) = tier == SimulatedTier.Custom ? (rpm!.Value, burst!.Value) : RateLimitRegistry.TierLimits(tier);
        // The key is a simulator key, printed on purpose so the curl line below works as-is.
        Console.WriteLine($"""
            CyberVault API simulator is running (Ctrl+C to stop).
              API base URL:    {simulator.BaseUrl}
              Plain HTTP:      {simulator.PlainHttpUrl?.ToString() ?? "(off)"}  (answers 301 to HTTPS)
              API key:         {key}  ({tier}: {perMinute}/min, burst {burstAllowance})
              CA certificate:  {caOut}
              Live world:      {(options.Scenario.Live ? "on" : "off")}
              Control:         {simulator.BaseUrl.GetLeftPart(UriPartial.Authority)}/_control/state
            Try:
              curl --cacert {caOut} {simulator.BaseUrl}/status -H 'Authorization: Bearer {key}'
            """);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        await stop.Task.ConfigureAwait(false);
        return 0;
    }
}
