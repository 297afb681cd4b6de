using System.Net;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Logging;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;
using CyberVault.Exporter.Web;
using CyberVault.Exporter.Web.Security;
using CyberVault.Exporter.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CyberVault.Exporter.Hosting;

/// <summary>Turns a command line into a running exporter (or a config check, version or help answer).</summary>
internal static class ExporterHost
{
    /// <summary>How long SIGTERM waits for in-flight API calls to be cancelled and the server to stop.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CommandLineOptions options;
        try
        {
            options = CommandLine.Parse(args);
        }
        catch (CommandLineException ex)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await stderr.WriteLineAsync($"Run '{CommandLine.ProgramName} --help' for the flags.").ConfigureAwait(false);
            return 2;
        }

        if (options.ShowHelp)
        {
            await stdout.WriteAsync(CommandLine.HelpText).ConfigureAwait(false);
            return 0;
        }

        if (options.ShowVersion)
        {
            await stdout.WriteLineAsync(VersionText()).ConfigureAwait(false);
            return 0;
        }

        if (options.ConfigCheck)
        {
            var checkedConfig = ConfigCheck.CheckFile(options.ConfigFile, stdout);
            return options.WebConfigFile is null
                ? checkedConfig
                : Math.Max(checkedConfig, ConfigCheck.CheckWebConfigFile(options.WebConfigFile, stdout));
        }

        DemoEnvironment? demo = null;
        try
        {
            ExporterConfig config;
            if (options.Demo)
            {
                demo = await DemoEnvironment.StartAsync(TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
                config = demo.Config;
            }
            else
            {
                try
                {
                    config = ConfigLoader.Load(options.ConfigFile);
                }
                catch (ConfigException ex)
                {
                    ConfigCheck.PrintErrors(ex.Errors, stderr);
                    return 1;
                }
            }

            WebApplication built;
            try
            {
                built = Build(options, config);
            }
            catch (WebhookSecretsException ex)
            {
                await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (ConfigException ex)
            {
                // The --web.config.file: as strict at start as exporter.yml.
                ConfigCheck.PrintErrors(ex.Errors, stderr);
                return 1;
            }

            await using var app = built;
            if (demo is null)
            {
                await app.RunAsync().ConfigureAwait(false);
                return 0;
            }

            // The simulator can only be pointed at the exporter's webhook once Kestrel has bound its port.
            await app.StartAsync().ConfigureAwait(false);
            var webhookUrl = demo.SubscribeExporter(app);
            await stdout.WriteLineAsync(
                $"demo: simulator at {demo.SimulatorUrl} (live mode) delivering signed webhooks to {webhookUrl}; exporter on {options.EffectiveListenAddress(config)} - open /metrics").ConfigureAwait(false);
            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (demo is not null)
            {
                await demo.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Builds the web application: logging, Kestrel on the listen address, polling, metrics and endpoints.</summary>
    /// <param name="configure">Lets tests replace services (e.g. the TimeProvider) before the app is built.</param>
    /// <exception cref="ConfigException">The <c>--web.config.file</c> is invalid.</exception>
    public static WebApplication Build(CommandLineOptions options, ExporterConfig config, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        var webConfig = options.WebConfigFile is null ? null : WebConfigLoader.Load(options.WebConfigFile);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = CommandLine.ProgramName,
            ContentRootPath = AppContext.BaseDirectory,
        });

        ConfigureLogging(builder.Logging, options);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var security = kestrel.ApplicationServices.GetService<WebSecurity>();
            options.EffectiveListenAddress(config).Listen(kestrel, security is null ? null : security.ConfigureListener);
        });
        if (webConfig is not null)
        {
            builder.Services.AddWebSecurity(options.WebConfigFile!, webConfig);
        }

        configure?.Invoke(builder.Services);
        AddReload(builder.Services, options, config);
        // Web first: it registers the Prometheus IApiRequestObserver that the API client then picks up.
        builder.Services.AddExporterWeb();
        builder.Services.AddCyberVaultPolling(config);
        builder.Services.AddExporterWebhooks(config);

        var app = builder.Build();
        app.MapExporterEndpoints();
        app.UseWebSecurity();
        app.MapLifecycleEndpoints(options.EnableLifecycle);
        return app;
    }

    /// <summary>
    /// The reloader owns the live target list and the exporter status (reload metrics). The demo has no file: a reload
    /// there re-applies the generated configuration, which changes nothing.
    /// </summary>
    private static void AddReload(IServiceCollection services, CommandLineOptions options, ExporterConfig config)
    {
        var targets = new ConfiguredTargets([.. config.Targets.Select(t => t.Name)]);
        Func<ExporterConfig> load = options.Demo ? () => config : () => ConfigLoader.Load(options.ConfigFile);
        var source = options.Demo ? "the demo configuration" : options.ConfigFile;
        services.AddSingleton(targets);
        services.AddSingleton<IConfiguredTargets>(targets);
        services.AddSingleton(sp => new ConfigReloader(
            config,
            load,
            source,
            sp.GetRequiredService<PollingService>(),
            sp.GetService<WebhookReceivers>(),
            targets,
            sp.GetRequiredService<ReloadStatusSource>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ConfigReloader>>(),
            sp.GetService<WebSecurity>()));
        services.AddSingleton(sp => new ReloadStatusSource(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IExporterStatusSource>(sp => sp.GetRequiredService<ReloadStatusSource>());
        services.AddHostedService<ReloadOnSignal>();
    }

    private static void ConfigureLogging(ILoggingBuilder logging, CommandLineOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(options.LogLevel);
        // ASP.NET Core's per-request logs are noise at info; they show at debug for whoever asks.
        logging.AddFilter("Microsoft", options.LogLevel <= LogLevel.Debug ? options.LogLevel : LogLevel.Warning);
        logging.AddFilter("System.Net.Http", options.LogLevel <= LogLevel.Debug ? options.LogLevel : LogLevel.Warning);
        logging.AddFilter("Polly", options.LogLevel <= LogLevel.Debug ? options.LogLevel : LogLevel.Warning);
        if (options.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }
        else
        {
            logging.AddConsole(o => o.FormatterName = LogfmtConsoleFormatter.FormatterName);
            logging.AddConsoleFormatter<LogfmtConsoleFormatter, ConsoleFormatterOptions>();
        }
    }

    internal static string VersionText()
    {
        var build = BuildInfo.Current;
        return $"{CommandLine.ProgramName} version {build.Version} (revision {build.Revision}, {build.Runtime})";
    }
}
