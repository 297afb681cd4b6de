namespace CyberVault.Exporter.Configuration;

/// <summary>The validated configuration of one exporter process. Immutable: a reload builds a new one.</summary>
internal sealed record ExporterConfig(WebConfig Web, IReadOnlyList<TargetConfig> Targets);

/// <param name="ListenAddress">host:port or :port. The command line's --web.listen-address wins over it.</param>
internal sealed record WebConfig(string ListenAddress)
{
    /// <summary>The exporter's one default port; every doc and file uses it.</summary>
    public const int DefaultPort = 9878;

    public const string DefaultListenAddress = ":9878";

    /// <summary>The validated <see cref="ListenAddress"/> text, parsed into what Kestrel binds to.</summary>
    public ListenEndpoint Endpoint => ListenEndpoint.Parse(ListenAddress);
}

/// <summary>One CyberVault API key in one region: the unit of polling, budget and the <c>target</c> label.</summary>
internal sealed record TargetConfig
{
    public required string Name { get; init; }

    /// <summary>Base URL including the version segment, e.g. https://api.cybervault.io/v2 (no trailing slash).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>Where the key comes from. Exactly one of file or env; the default is env CYBERVAULT_API_KEY.</summary>
    public required ApiKeySource ApiKey { get; init; }

    public required Tier Tier { get; init; }

    /// <summary>Share of the tier's per-minute limit and burst this exporter may use, 0 &lt; x &lt;= 1.</summary>
    public required double BudgetShare { get; init; }

    /// <summary>Extra trusted CA bundle (PEM), or null.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>Only for http://127.0.0.1 or http://localhost development targets.</summary>
    public bool AllowInsecureHttp { get; init; }

    public required PollingConfig Polling { get; init; }

    private readonly WebhookConfig? webhook;

    /// <summary>The webhook receiver of this target; disabled (at <c>/webhooks/&lt;name&gt;</c>) unless configured.</summary>
    public WebhookConfig Webhook
    {
        get => webhook ?? WebhookConfig.DisabledFor(Name);
        init => webhook = value;
    }
}

/// <summary>Signed CyberVault events pushed to the exporter (issue 4).</summary>
internal sealed record WebhookConfig
{
    public const string PathPrefix = "/webhooks/";
    public const int DefaultMaxBodyBytes = 262144;
    public const int MaxMaxBodyBytes = 10 * 1024 * 1024;
    public static readonly TimeSpan DefaultDedupeWindow = TimeSpan.FromMinutes(10);

    public bool Enabled { get; init; }

    /// <summary>Absolute request path, e.g. /webhooks/production; unique across targets.</summary>
    public required string Path { get; init; }

    /// <summary>Files each holding one HMAC secret; every one is tried, so a secret rotates without downtime.</summary>
    public IReadOnlyList<string> SecretFiles { get; init; } = [];

    public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    public TimeSpan DedupeWindow { get; init; } = DefaultDedupeWindow;

    public static string DefaultPathFor(string targetName) => PathPrefix + targetName;

    public static WebhookConfig DisabledFor(string targetName) => new() { Path = DefaultPathFor(targetName) };
}

internal sealed record ApiKeySource(string? File, string? EnvironmentVariable)
{
    public const string DefaultEnvironmentVariable = "CYBERVAULT_API_KEY";

    /// <summary>Never the key itself: safe for logs and --config.check output.</summary>
    public string Describe() => File is not null ? $"file {File}" : $"env {EnvironmentVariable}";
}

internal sealed record PollingConfig
{
    public static readonly TimeSpan DefaultStatusInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultAlertsInterval = TimeSpan.FromSeconds(60);
    public static readonly IReadOnlyList<string> DefaultAlertStatuses = ["open", "investigating"];
    public const int DefaultPageSize = 200;
    public const int MaxPageSize = 200;
    public const int DefaultMaxPages = 1000;
    public static readonly TimeSpan DefaultMaxStaleness = TimeSpan.FromMinutes(10);

    public TimeSpan StatusInterval { get; init; } = DefaultStatusInterval;
    public TimeSpan AlertsInterval { get; init; } = DefaultAlertsInterval;

    /// <summary>Statuses swept by the alerts collector, each one a separate paginated walk.</summary>
    public IReadOnlyList<string> AlertStatuses { get; init; } = DefaultAlertStatuses;

    public int PageSize { get; init; } = DefaultPageSize;
    public int MaxPages { get; init; } = DefaultMaxPages;
    public TimeSpan MaxStaleness { get; init; } = DefaultMaxStaleness;
}

internal enum Tier
{
    Starter,
    Professional,
    Enterprise,
}
