using System.Runtime.CompilerServices;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Metrics;
using CyberVault.Exporter.Polling;

namespace CyberVault.Exporter.Tests.Api;

public class ApiFailureTests
{
    [Fact]
    public void Every_kind_of_API_failure_is_a_known_reason_of_the_failures_counter_and_no_two_share_one()
    {
        var kinds = typeof(ApiFailure).GetNestedTypes()
            .Where(t => t.IsSubclassOf(typeof(ApiFailure)))
            .Select(t => ((ApiFailure)RuntimeHelpers.GetUninitializedObject(t)).Kind)
            .ToList();

        Assert.True(kinds.Count >= 10, $"only {kinds.Count} failure types found");
        Assert.Equal(kinds.Count, kinds.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(
            kinds.Append(TargetPoller.PaginationReason).Append(TargetPoller.InternalReason).Order(StringComparer.Ordinal),
            MetricCatalogue.KnownFailureReasons.Order(StringComparer.Ordinal));
    }
}
