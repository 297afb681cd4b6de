using System.Net;
using CyberVault.Exporter.Configuration;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Configuration;

public class CommandLineTests
{
    [Fact]
    public void No_flags_give_the_documented_defaults()
    {
        var options = CommandLine.Parse([]);

        Assert.Equal("exporter.yml", options.ConfigFile);
        Assert.Null(options.ListenAddress);
        Assert.Null(options.WebConfigFile);
        Assert.False(options.EnableLifecycle);
        Assert.False(options.ConfigCheck);
        Assert.False(options.Demo);
        Assert.Equal(LogLevel.Information, options.LogLevel);
        Assert.Equal(LogFormat.Logfmt, options.LogFormat);
        Assert.False(options.ShowVersion);
        Assert.False(options.ShowHelp);
        Assert.Equal(new ListenEndpoint(null, false, WebConfig.DefaultPort), options.EffectiveListenAddress(null));
    }

    [Theory]
    [InlineData(new[] { "--config.file=/etc/cv.yml" }, "/etc/cv.yml")]
    [InlineData(new[] { "--config.file", "/etc/cv.yml" }, "/etc/cv.yml")]
    [InlineData(new[] { "--config.file=a=b.yml" }, "a=b.yml")]
    public void The_config_file_takes_both_forms(string[] args, string expected)
    {
        Assert.Equal(expected, CommandLine.Parse(args).ConfigFile);
    }

    [Fact]
    public void Every_flag_is_parsed()
    {
        var options = CommandLine.Parse(
        [
            "--config.file", "x.yml", "--web.listen-address=127.0.0.1:9000", "--web.config.file", "web.yml",
            "--web.enable-lifecycle", "--config.check", "--log.level=debug", "--log.format", "json", "--version", "--help",
        ]);

        Assert.Equal(
            new CommandLineOptions
            {
                ConfigFile = "x.yml",
                ListenAddress = new ListenEndpoint(IPAddress.Loopback, false, 9000),
                WebConfigFile = "web.yml",
                EnableLifecycle = true,
                ConfigCheck = true,
                LogLevel = LogLevel.Debug,
                LogFormat = LogFormat.Json,
                ShowVersion = true,
                ShowHelp = true,
            },
            options);
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    public void Log_levels_map_to_logging_levels(string value, LogLevel expected)
    {
        Assert.Equal(expected, CommandLine.Parse([$"--log.level={value}"]).LogLevel);
    }

    [Theory]
    [InlineData(new[] { "--demo" }, true)]
    [InlineData(new[] { "--demo=true" }, true)]
    [InlineData(new[] { "--demo=false" }, false)]
    public void Boolean_flags_take_no_value_or_an_inline_true_or_false(string[] args, bool expected)
    {
        Assert.Equal(expected, CommandLine.Parse(args).Demo);
    }

    [Fact]
    public void The_command_line_listen_address_wins_over_the_file()
    {
        var config = new ExporterConfig(new WebConfig("127.0.0.1:1111"), []);

        Assert.Equal(new ListenEndpoint(IPAddress.IPv6Loopback, false, 2222), CommandLine.Parse(["--web.listen-address", "[::1]:2222"]).EffectiveListenAddress(config));
        Assert.Equal(new ListenEndpoint(IPAddress.Loopback, false, 1111), CommandLine.Parse([]).EffectiveListenAddress(config));
    }

    [Theory]
    [InlineData(new[] { "--config.fil=x" }, "--config.fil: unknown flag (did you mean --config.file?)")]
    [InlineData(new[] { "-config.file=x" }, "-config.file=x: unknown flag; flags start with -- (did you mean --config.file?)")]
    [InlineData(new[] { "--bogus" }, "--bogus: unknown flag")]
    [InlineData(new[] { "exporter.yml" }, "unexpected argument \"exporter.yml\"")]
    [InlineData(new[] { "--config.file" }, "--config.file: missing value FILE")]
    [InlineData(new[] { "--config.file", "--demo" }, "--config.file: missing value FILE")]
    [InlineData(new[] { "--config.file=" }, "--config.file: the file name is empty")]
    [InlineData(new[] { "--log.level=verbose" }, "--log.level: \"verbose\" is not one of debug, info, warn, error")]
    [InlineData(new[] { "--log.format", "text" }, "--log.format: \"text\" is not one of logfmt, json")]
    [InlineData(new[] { "--web.listen-address=9878" }, "--web.listen-address: \"9878\" is not a listen address: missing port")]
    [InlineData(new[] { "--web.listen-address", "example.com:80" }, "--web.listen-address: \"example.com:80\" is not a listen address")]
    [InlineData(new[] { "--demo=yes" }, "--demo: \"yes\" is not true or false")]
    [InlineData(new[] { "--log.level=info", "--log.level=debug" }, "--log.level: given more than once")]
    [InlineData(new[] { "--demo", "--config.file=x.yml" }, "--demo: uses a generated configuration")]
    public void Bad_flags_and_values_are_errors_naming_the_flag(string[] args, string expected)
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(args));

        Assert.Contains(error.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_bad_flag_is_reported_at_once()
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(["--log.level=loud", "--nope", "--log.format=xml"]));

        Assert.Equal(3, error.Errors.Count);
        Assert.Contains("--nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_help_text_names_every_flag_and_the_default_port()
    {
        var help = CommandLine.HelpText;

        foreach (var flag in new[] { "--config.file", "--web.listen-address", "--web.config.file", "--web.enable-lifecycle", "--config.check", "--demo", "--log.level", "--log.format", "--version", "--help" })
        {
            Assert.Contains(flag, help, StringComparison.Ordinal);
        }

        Assert.Contains(":9878", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":9878", null, false, 9878, ":9878")]
    [InlineData("127.0.0.1:9878", "127.0.0.1", false, 9878, "127.0.0.1:9878")]
    [InlineData("0.0.0.0:9878", "0.0.0.0", false, 9878, "0.0.0.0:9878")]
    [InlineData("[::1]:9878", "::1", false, 9878, "[::1]:9878")]
    [InlineData("[::]:80", "::", false, 80, "[::]:80")]
    [InlineData("localhost:9878", null, true, 9878, "localhost:9878")]
    [InlineData("127.0.0.1:0", "127.0.0.1", false, 0, "127.0.0.1:0")]
    [InlineData(":65535", null, false, 65535, ":65535")]
    public void Listen_addresses_parse_into_what_kestrel_binds(string text, string? address, bool localhost, int port, string canonical)
    {
        Assert.True(ListenEndpoint.TryParse(text, out var endpoint, out var error), error);

        Assert.Equal(address is null ? null : IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(localhost, endpoint.IsLocalhost);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(canonical, endpoint.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("9878", "missing port")]
    [InlineData(":", "port \"\" is not a number")]
    [InlineData(":65536", "port \"65536\" is not a number from 0 to 65535")]
    [InlineData(":-1", "port \"-1\" is not a number")]
    [InlineData("::1:9878", "an IPv6 address needs brackets")]
    [InlineData("[::1:9878", "is not a bracketed IPv6 address")]
    [InlineData("[127.0.0.1]:9878", "is not a bracketed IPv6 address")]
    [InlineData("example.com:9878", "is not an IP address or localhost")]
    [InlineData("127.1:9878", "is not an IP address or localhost")]
    [InlineData("localhost:0", "localhost needs a fixed port")]
    public void Bad_listen_addresses_say_what_is_wrong(string text, string reason)
    {
        Assert.False(ListenEndpoint.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ListenEndpoint.Parse(text));
    }
}
