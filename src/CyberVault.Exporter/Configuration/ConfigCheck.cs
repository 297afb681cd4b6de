using System.Globalization;
using CyberVault.Exporter.Budget;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// <c>--config.check</c>: validates the configuration and prints, per target, the budget and what polling
/// costs, so an operator sees before deploying whether the intervals fit the tier. Never prints a key.
/// </summary>
internal static class ConfigCheck
{
    /// <summary>Loads <paramref name="path"/> and prints either the plan (exit 0) or every error (exit 1).</summary>
    public static int CheckFile(string path, TextWriter output, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>? lastKnownCounts = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ExporterConfig config;
        try
        {
            config = ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            return PrintErrors(e.Errors, output);
        }

        output.WriteLine($"{path}: the configuration is valid");
        return Run(config, output, lastKnownCounts);
    }

    /// <summary>Loads the <c>--web.config.file</c> and prints what it sets up (exit 0) or every error (exit 1).</summary>
    public static int CheckWebConfigFile(string path, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var web = Web.Security.WebConfigLoader.Load(path);
            output.WriteLine();
            output.WriteLine($"{path}: the web configuration is valid: {web.Describe()}");
            return 0;
        }
        catch (ConfigException e)
        {
            return PrintErrors(e.Errors, output);
        }
    }

    /// <summary>Prints the errors of a configuration that did not load; returns exit code 1.</summary>
    public static int PrintErrors(IReadOnlyList<ConfigError> errors, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(errors.Count == 1
            ? "the configuration is invalid, 1 error:"
            : $"the configuration is invalid, {errors.Count.ToString(CultureInfo.InvariantCulture)} errors:");
        foreach (var error in errors)
        {
            output.WriteLine($"  {error}");
        }

        return 1;
    }

    /// <summary>Prints each target's plan for a valid configuration; returns exit code 0.</summary>
    /// <param name="lastKnownCounts">Per target name, the alert counts by status of its last complete sweep.</param>
    public static int Run(ExporterConfig config, TextWriter output, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>? lastKnownCounts = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"listen address: {config.Web.Endpoint}");
        output.WriteLine($"targets: {config.Targets.Count.ToString(CultureInfo.InvariantCulture)}");
        foreach (var target in config.Targets)
        {
            IReadOnlyDictionary<string, long>? counts = null;
            lastKnownCounts?.TryGetValue(target.Name, out counts);
            output.WriteLine();
            PrintTarget(target, counts, output);
        }

        return 0;
    }

    private static void PrintTarget(TargetConfig target, IReadOnlyDictionary<string, long>? counts, TextWriter output)
    {
        var polling = target.Polling;
        var plan = CyclePlan.For(target, counts);
        var budget = plan.Budget;
        var tier = target.Tier.ToString().ToLowerInvariant();

        output.WriteLine($"target {target.Name}");
        Line(output, "base_url", target.BaseUrl.ToString().TrimEnd('/'));
        Line(output, "api key", target.ApiKey.Describe() + KeyWarning(target.ApiKey));
        if (target.TlsCaFile is not null)
        {
            Line(output, "tls ca_file", target.TlsCaFile);
        }

        Line(output, "tier", $"{tier}: {N(budget.TierRequestsPerMinute)} requests/min, burst {N(budget.TierBurst)}");
        Line(output, "budget", $"{N(budget.RequestsPerMinute)} requests/min (budget_share {N(budget.Share)}), {N(budget.TokensPerSecond)} tokens/s, capacity {N(budget.Capacity)}");
        Line(output, "status polls", $"every {Duration.Format(polling.StatusInterval)} = {N(plan.StatusPollsPerMinute)} requests/min");
        Line(output, "alerts sweep", $"every {Duration.Format(polling.AlertsInterval)} over {string.Join(", ", polling.AlertStatuses)} (page_size {N(polling.PageSize)}, max_pages {N(polling.MaxPages)})");

        var basis = plan.AssumedStatuses.Count == polling.AlertStatuses.Count
            ? "assumed one page per status: alert counts unknown"
            : "last known counts: " + string.Join(", ", polling.AlertStatuses.Select(s =>
                plan.AssumedStatuses.Contains(s) ? $"{s} unknown (assumed one page)" : $"{s} {N(plan.AlertCounts[s])}"));
        Line(output, "one cycle", $"{N(plan.RequestsPerCycle)} requests = 1 status + {N(plan.PagesPerSweep)} pages ({basis})");
        foreach (var status in plan.StatusesOverMaxPages)
        {
            Line(output, "WARNING", $"{status}: {N(plan.AlertCounts[status])} alerts need more than max_pages {N(polling.MaxPages)} pages of {N(polling.PageSize)}; that sweep will fail");
        }

        var planned = plan.PlannedRequestsPerMinute(polling.AlertsInterval);
        Line(output, "planned", $"{N(planned)} requests/min of the budget's {N(budget.RequestsPerMinute)} ({N(Math.Round(planned * 100 / budget.RequestsPerMinute))}%)");

        if (plan.AlertsStarved)
        {
            Line(output, "WARNING", $"status polls alone need {N(plan.StatusPollsPerMinute)} requests/min, above the budget: status polls stretch to every {Duration.Format(plan.EffectiveStatusInterval)} and no alerts sweep can run; raise budget_share or status_interval");
        }
        else if (plan.AlertsStretched(polling.AlertsInterval))
        {
            Line(output, "alerts interval", $"effective {Duration.Format(plan.EffectiveAlertsInterval)}: the configured {Duration.Format(polling.AlertsInterval)} is too fast for the budget ({N(plan.PagesPerSweep)} pages per sweep, {N(budget.RequestsPerMinute - plan.StatusPollsPerMinute)} requests/min left after status polls)");
        }
        else
        {
            Line(output, "alerts interval", $"effective {Duration.Format(plan.EffectiveAlertsInterval)} (as configured; the budget allows it)");
        }

        Line(output, "max_staleness", Duration.Format(polling.MaxStaleness));
        var webhook = target.Webhook;
        Line(output, "webhook", webhook.Enabled
            ? $"enabled at {webhook.Path}, {N(webhook.SecretFiles.Count)} secret file(s), max_body_bytes {N(webhook.MaxBodyBytes)}, dedupe_window {Duration.Format(webhook.DedupeWindow)}{SecretWarning(webhook)}"
            : "disabled");
    }

    /// <summary>A missing key is not a configuration error (secrets may be mounted at start), but it is worth saying.</summary>
    private static string KeyWarning(ApiKeySource source)
    {
        if (source.File is not null)
        {
            return File.Exists(source.File) ? "" : " (WARNING: the file does not exist yet)";
        }

        return string.IsNullOrEmpty(Environment.GetEnvironmentVariable(source.EnvironmentVariable ?? ApiKeySource.DefaultEnvironmentVariable))
            ? " (WARNING: the variable is not set)"
            : "";
    }

    private static string SecretWarning(WebhookConfig webhook)
    {
        var missing = webhook.SecretFiles.Count(file => !File.Exists(file));
        return missing == 0 ? "" : $" (WARNING: {N(missing)} secret file(s) do not exist yet)";
    }

    private static void Line(TextWriter output, string label, string value) =>
        output.WriteLine($"  {label + ":",-17} {value}");

    private static string N(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
