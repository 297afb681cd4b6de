using System.Reflection;
using CyberVault.Exporter.Logging;
using Microsoft.Extensions.Logging;

namespace CyberVault.Exporter.Tests.Logging;

public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_line_of_the_exporter_has_its_own_event_id()
    {
        // Operators filter and alert on event ids; two lines sharing one would make such a filter match the wrong line.
        var lines = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => (m.Name, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(l => l.Attribute is not null)
            .ToList();

        Assert.True(lines.Count > 30, $"only {lines.Count} [LoggerMessage] methods found on Log");
        var shared = lines.GroupBy(l => l.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(l => l.Name))}")
            .ToList();
        Assert.True(shared.Count == 0, "event ids used twice: " + string.Join("; ", shared));
    }
}
