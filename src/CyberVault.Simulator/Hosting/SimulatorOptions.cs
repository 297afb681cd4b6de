using Microsoft.Extensions.Logging;

namespace CyberVault.Simulator;

/// <summary>How to start a <see cref="CyberVaultSimulator"/>.</summary>
public sealed class SimulatorOptions
{
    /// <summary>IP address both listeners bind to. Keep it on loopback: the control endpoint has no auth.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTPS port; 0 picks a free (ephemeral) port.</summary>
    public int HttpsPort { get; set; }

    /// <summary>Plain-HTTP port that only answers 301; 0 = ephemeral, -1 = no plain-HTTP listener.</summary>
    public int HttpPort { get; set; }

    /// <summary>Every clock reading (rate limits, alert times, webhook backoff, live ticks, slow faults).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>API keys accepted. If empty, one Starter key is generated at start (<see cref="CyberVaultSimulator.GeneratedKey"/>).</summary>
    public IList<SimulatedApiKey> Keys { get; } = new List<SimulatedApiKey>();

    public ScenarioOptions Scenario { get; set; } = new();

    /// <summary>Serves <c>/_control/*</c> (no auth; loopback callers only). True for the standalone host.</summary>
    public bool EnableControlEndpoint { get; set; }

    /// <summary>Webhook subscribers known at start; more can be added with <see cref="WebhookDispatcher.Subscribe"/>.</summary>
    public IList<WebhookSubscription> Webhooks { get; } = new List<WebhookSubscription>();

    /// <summary>Logging set-up for the hosted app. When null the simulator logs nothing (quiet in tests).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}

/// <summary>An accepted API key. <see cref="SimulatedTier.Custom"/> requires both figures; other tiers must not set them.</summary>
public sealed record SimulatedApiKey(string Key, SimulatedTier Tier, int? RequestsPerMinute = null, int? Burst = null)
{
    /// <summary>The key itself is a secret; never print it through a record's generated ToString.</summary>
    public override string ToString() => $"SimulatedApiKey {{ Tier = {Tier}, RequestsPerMinute = {RequestsPerMinute}, Burst = {Burst} }}";
}

public enum SimulatedTier
{
    Starter,
    Professional,
    Enterprise,
    Custom,
}

/// <summary>The seeded world and how it moves.</summary>
public sealed class ScenarioOptions
{
    public int Seed { get; set; } = 42;

    /// <summary>Number of seeded alerts for every (severity x status) pair.</summary>
    public int AlertsPerSeverityAndStatus { get; set; } = 3;

    /// <summary>Overrides <see cref="AlertsPerSeverityAndStatus"/> for the pairs present.</summary>
    public IDictionary<(string Severity, string Status), int> AlertCounts { get; } = new Dictionary<(string Severity, string Status), int>();

    public int ThreatLevel { get; set; } = 2;
    public string Status { get; set; } = "operational";
    public string Region { get; set; } = "us-east-1";

    /// <summary>When true the world moves: <see cref="SimulatedWorld.Tick"/> runs every <see cref="LiveTickInterval"/>.</summary>
    public bool Live { get; set; }

    public TimeSpan LiveTickInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>A webhook subscriber. <paramref name="Events"/> null means every event type.</summary>
public sealed record WebhookSubscription(Uri Url, string Secret, IReadOnlyList<string>? Events = null)
{
    public override string ToString() => $"WebhookSubscription {{ Url = {Url}, Events = {(Events is null ? "all" : string.Join(",", Events))} }}";
}
