namespace CyberVault.Simulator;

/// <summary>The enum values the reference documents, in one place so validation and seeding agree.</summary>
internal static class Vocabulary
{
    public static readonly string[] Severities = ["critical", "high", "medium", "low"];
    public static readonly string[] AlertStatuses = ["open", "investigating", "resolved", "dismissed"];
    public static readonly string[] CreatableTypes = ["xss", "csrf", "brute_force", "malware", "custom"];
    public static readonly string[] SystemStatuses = ["operational", "degraded", "maintenance"];

    /// <summary>Seeded alerts also use types the scanners report (e.g. sql_injection in the reference's example).</summary>
    public static readonly string[] SeededTypes = ["xss", "csrf", "brute_force", "malware", "custom", "sql_injection"];

    public static readonly string[] Assets =
        ["srv_prod_db_01", "srv_prod_web_01", "srv_prod_web_02", "srv_stage_api_01", "wks_finance_07", "lb_edge_01"];

    public static bool IsSeverity(string? value) => value is not null && Array.IndexOf(Severities, value) >= 0;
    public static bool IsAlertStatus(string? value) => value is not null && Array.IndexOf(AlertStatuses, value) >= 0;
    public static bool IsCreatableType(string? value) => value is not null && Array.IndexOf(CreatableTypes, value) >= 0;
    public static bool IsSystemStatus(string? value) => value is not null && Array.IndexOf(SystemStatuses, value) >= 0;

    public static int SeverityIndex(string severity) => Array.IndexOf(Severities, severity);
    public static int StatusIndex(string status) => Array.IndexOf(AlertStatuses, status);
}
