namespace CyberVault.Simulator;

/// <summary>An alert as the API returns it. <see cref="CreatedAt"/> has whole-second precision, like the reference.</summary>
public sealed record Alert(string Id, string Severity, string Type, string AssetId, DateTimeOffset CreatedAt, string Status);
