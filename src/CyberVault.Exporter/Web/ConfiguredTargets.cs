namespace CyberVault.Exporter.Web;

/// <summary>The names of the configured targets, in config order. A live reload can swap the list.</summary>
internal interface IConfiguredTargets
{
    IReadOnlyList<string> Names { get; }
}

/// <summary>A fixed list of target names, as read from the config at startup.</summary>
internal sealed class StaticConfiguredTargets : IConfiguredTargets
{
    public StaticConfiguredTargets(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Names = [.. names];
    }

    public IReadOnlyList<string> Names { get; }
}
