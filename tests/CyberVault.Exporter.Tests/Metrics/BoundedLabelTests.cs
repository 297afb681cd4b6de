using CyberVault.Exporter.Metrics;

namespace CyberVault.Exporter.Tests.Metrics;

public class BoundedLabelTests
{
    [Theory]
    [InlineData("operational", "operational")]
    [InlineData("Under Attack!", "under_attack_")]
    [InlineData("in-progress", "in-progress")]
    [InlineData("", "unknown")]
    [InlineData(null, "unknown")]
    [InlineData("é\"\n", "___")]
    public void Sanitise_keeps_lower_case_letters_digits_underscore_and_dash(string? raw, string expected)
    {
        Assert.Equal(expected, BoundedLabel.Sanitise(raw));
    }

    [Fact]
    public void Sanitise_truncates_long_values_and_is_idempotent()
    {
        var once = BoundedLabel.Sanitise(new string('A', 1000));

        Assert.Equal(BoundedLabel.MaxLength, once.Length);
        Assert.Equal(once, BoundedLabel.Sanitise(once));
    }

    [Fact]
    public void Known_values_never_count_against_the_unknown_bound()
    {
        var label = new BoundedLabel(["open"]);
        for (var i = 0; i < BoundedLabel.MaxUnknownValues; i++)
        {
            Assert.Equal($"new{i}", label.Map($"new{i}"));
        }

        Assert.Equal("open", label.Map("OPEN"));
        Assert.Equal("new3", label.Map("new3"));
        Assert.Equal(BoundedLabel.Other, label.Map("one_too_many"));
    }
}
