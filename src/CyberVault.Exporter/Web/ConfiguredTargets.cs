namespace CyberVault.Exporter.Web;

/// <summary>The names of the configured targets, in config order. A live reload can swap the list.</summary>
internal interface IConfiguredTargets
{
    IReadOnlyList<string> Names { get; }
}

/// <summary>The target names of the configuration in use: read at start, swapped by a live reload.</summary>
internal sealed class ConfiguredTargets(IReadOnlyList<string> names) : IConfiguredTargets
{
    private volatile IReadOnlyList<string> _names = [.. names ?? throw new ArgumentNullException(nameof(names))];

    public IReadOnlyList<string> Names => _names;

    public void Set(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
    }
}
