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

/// <summary>The target names of the configuration in use; a live reload swaps the list.</summary>
internal sealed class ReloadableConfiguredTargets(IReadOnlyList<string> names) : IConfiguredTargets
{
    private volatile IReadOnlyList<string> _names = [.. names ?? throw new ArgumentNullException(nameof(names))];

    public IReadOnlyList<string> Names => _names;

    public void Set(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
    }
}
