namespace CyberVault.Exporter.Tests.Support;

/// <summary>Files of the repository itself (docs, examples, deploy files) that tests check against the code.</summary>
internal static class Repository
{
    /// <summary>The folder with CyberVault.Exporter.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CyberVault.Exporter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No CyberVault.Exporter.sln above {AppContext.BaseDirectory}.");
    }
}
