using CyberVault.Exporter.Tests.Support;
using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Configuration;

public class MutatedConfigTests
{
    private const string Alphabet = " \t\n:-[]{},'\"#&*!|>%@`?0123456789abcdefghijklmnopqrstuvwxyz_./~<=";

    private const int Iterations = 2000;

    [Fact]
    public void Thousands_of_mutated_files_either_load_or_fail_with_located_config_errors()
    {
        var original = File.ReadAllText(Path.Combine(Repository.Root, "exporter.yml.example"));
        var random = new Random(20261203);
        var failures = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var text = Mutate(original, random, 1 + random.Next(4));
            try
            {
                ConfigLoader.Parse(text, "fuzz.yml");
            }
            catch (ConfigException e)
            {
                failures++;

                Assert.NotEmpty(e.Errors);
                Assert.All(e.Errors, error =>
                {
                    Assert.Equal("fuzz.yml", error.Source);
                    Assert.True(error.Line >= 1, $"no line in {error}");
                    Assert.False(string.IsNullOrWhiteSpace(error.Message));
                });
            }
        }

        // Most mutations break something; if none did, the mutator would be broken, not the loader correct.
        Assert.True(failures > Iterations / 3, $"only {failures} of {Iterations} mutated files failed");
        Assert.True(failures < Iterations, "every mutated file failed, so none exercised the loaded path");
    }

    private static string Mutate(string text, Random random, int edits)
    {
        var chars = new List<char>(text);
        for (var e = 0; e < edits && chars.Count > 0; e++)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(3))
            {
                case 0:
                    chars.RemoveAt(at);
                    break;
                case 1:
                    chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                default:
                    chars[at] = Alphabet[random.Next(Alphabet.Length)];
                    break;
            }
        }

        return new string([.. chars]);
    }
}
