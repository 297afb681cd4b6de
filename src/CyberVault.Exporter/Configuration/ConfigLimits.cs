namespace CyberVault.Exporter.Configuration;

/// <summary>Every bound the configuration is checked against, in one place so docs and errors agree.</summary>
internal static class ConfigLimits
{
    /// <summary>A configuration is a few kilobytes; refusing huge files bounds the parser's memory.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public const int MaxTargets = 256;

    public const int MinTargetNameLength = 1;
    public const int MaxTargetNameLength = 64;

    /// <summary>Budget share when none is given: the exporter may use the whole tier budget.</summary>
    public const double DefaultBudgetShare = 1.0;

    public static readonly TimeSpan MinStatusInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinAlertsInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxPollingInterval = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxMaxStaleness = TimeSpan.FromDays(7);

    public const int MinPageSize = 1;
    public const int MaxPageSize = PollingConfig.MaxPageSize;
    public const int MinMaxPages = 1;
    public const int MaxMaxPages = 100_000;

    /// <summary>The statuses the API's <c>status</c> filter accepts.</summary>
    public static readonly IReadOnlyList<string> KnownAlertStatuses = ["open", "investigating", "resolved", "dismissed"];

    public const int MinWebhookBodyBytes = 1;
    public const int MaxWebhookBodyBytes = WebhookConfig.MaxMaxBodyBytes;
    public static readonly TimeSpan MinDedupeWindow = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDedupeWindow = TimeSpan.FromHours(24);

    /// <summary>Paths the exporter serves itself; a webhook there would shadow them.</summary>
    public static readonly IReadOnlyList<string> ReservedPaths = ["/", "/metrics", "/healthz", "/readyz", "/-/reload"];

    /// <summary>Prometheus keeps <c>/-/</c> for lifecycle endpoints.</summary>
    public const string ReservedPathPrefix = "/-/";

    /// <summary>Unknown keys and values within this many edits of a known one get a "did you mean".</summary>
    public const int SuggestionMaxDistance = 2;
}
