using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Api;

public sealed class ApiKeyProviderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cv-key-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_key_file_is_trimmed_and_re_read_after_rotation()
    {
        var path = Path.Combine(_dir, "key");
        File.WriteAllText(path, "  cv_live_first_key\n");
        var provider = new ApiKeyProvider(new ApiKeySource(path, null));
        string? reloadedFrom = null;
        provider.Reloaded += source => reloadedFrom = source;

        Assert.Equal("cv_live_first_key", provider.GetKey());

        File.WriteAllText(path, "cv_live_rotated_key_longer\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));

        Assert.Equal("cv_live_rotated_key_longer", provider.GetKey());
        Assert.Equal($"file {path}", reloadedFrom);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_file()
    {
        var path = Path.Combine(_dir, "absent");
        var provider = new ApiKeyProvider(new ApiKeySource(path, null));

        var error = Assert.Throws<ApiKeyUnavailableException>(provider.GetKey);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_an_error_naming_the_file()
    {
        var path = Path.Combine(_dir, "empty");
        File.WriteAllText(path, " \n\t");

        var error = Assert.Throws<ApiKeyUnavailableException>(new ApiKeyProvider(new ApiKeySource(path, null)).GetKey);

        Assert.Equal($"the API key file {path} is empty", error.Message);
    }

    [Fact]
    public void A_key_with_an_inner_newline_is_refused_without_showing_the_key()
    {
        var path = Path.Combine(_dir, "split");
        File.WriteAllText(path, "cv_live_part_one\ncv_live_part_two");

        var error = Assert.Throws<ApiKeyUnavailableException>(new ApiKeyProvider(new ApiKeySource(path, null)).GetKey);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cv_live_part", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_environment_variable_is_read_and_trimmed_and_a_missing_one_is_named()
    {
        var env = new Dictionary<string, string?> { ["MY_CV_KEY"] = " cv_env_key " };
        var provider = new ApiKeyProvider(new ApiKeySource(null, "MY_CV_KEY"), name => env.GetValueOrDefault(name));
        Assert.Equal("cv_env_key", provider.GetKey());

        env["MY_CV_KEY"] = null;
        var error = Assert.Throws<ApiKeyUnavailableException>(provider.GetKey);
        Assert.Equal("the API key environment variable MY_CV_KEY is not set or empty", error.Message);
    }

    [Fact]
    public void Without_a_source_the_default_environment_variable_is_used()
    {
        var provider = new ApiKeyProvider(new ApiKeySource(null, null), name => name == ApiKeySource.DefaultEnvironmentVariable ? "cv_default" : null);

        Assert.Equal("cv_default", provider.GetKey());
    }
}
