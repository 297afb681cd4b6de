using System.Reflection;
using System.Runtime.InteropServices;

namespace CyberVault.Exporter.Metrics;

/// <summary>
/// What one scrape renders: the latest snapshot of every target, the exporter-wide status, and the
/// bounded label-value sets (kept by the backend instance so unknown API values stay bounded for its lifetime).
/// </summary>
internal sealed record MetricInputs(IReadOnlyList<TargetSnapshot> Targets, ExporterStatus Exporter, LabelValueBounds Labels);

/// <summary>
/// Exporter-wide facts, not tied to a target. New exporter-level metrics add a member here and one catalogue entry.
/// </summary>
/// <param name="Reload">The outcome of the last configuration (re)load; null where nothing loads one (tests of the rendering).</param>
internal sealed record ExporterStatus(BuildInfo Build, ConfigReloadStatus? Reload = null);

/// <summary>Whether the last attempt to (re)load the configuration succeeded, and when one last did (the start counts).</summary>
internal sealed record ConfigReloadStatus(bool LastSucceeded, DateTimeOffset LastSuccessAt);

/// <summary>Where a backend reads the exporter-wide status at scrape time.</summary>
internal interface IExporterStatusSource
{
    ExporterStatus Current();
}

/// <summary>An exporter status that never changes (build info only).</summary>
internal sealed class StaticExporterStatusSource(ExporterStatus status) : IExporterStatusSource
{
    public ExporterStatus Current() => status;
}

/// <param name="Version">The version without build metadata, e.g. 0.1.0.</param>
/// <param name="Revision">The source revision (the +sha suffix of the informational version) or "unknown".</param>
/// <param name="Runtime">The .NET runtime, e.g. ".NET 10.0.0".</param>
internal sealed record BuildInfo(string Version, string Revision, string Runtime)
{
    public const string Unknown = "unknown";

    /// <summary>The build info of the exporter assembly.</summary>
    public static BuildInfo Current { get; } = FromAssembly(typeof(BuildInfo).Assembly);

    public static BuildInfo FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        return Parse(informational, RuntimeInformation.FrameworkDescription);
    }

    /// <summary>Splits "1.2.3+abcdef" into version 1.2.3 and revision abcdef.</summary>
    public static BuildInfo Parse(string? informationalVersion, string runtime)
    {
        var text = informationalVersion?.Trim() ?? string.Empty;
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        var version = plus >= 0 ? text[..plus] : text;
        var revision = plus >= 0 ? text[(plus + 1)..] : string.Empty;
        return new BuildInfo(
            version.Length > 0 ? version : Unknown,
            revision.Length > 0 ? revision : Unknown,
            string.IsNullOrWhiteSpace(runtime) ? Unknown : runtime.Trim());
    }
}
