using System.Globalization;

namespace CyberVault.Simulator;

/// <summary>
/// The simulated tenant: system status and the alert store. Thread-safe (one lock); webhook events are
/// published after the lock is released so a slow subscriber never blocks the API.
/// </summary>
public sealed class SimulatedWorld
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly TimeSpan ActiveWindow = TimeSpan.FromHours(24);
    private static readonly TimeSpan SeedSpread = TimeSpan.FromHours(48);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly WebhookDispatcher _events;
    private readonly Random _idRandom;
    private readonly Random _liveRandom;
    private readonly Dictionary<string, Alert> _byId = new(StringComparer.Ordinal);
    // Open alerts per (type, asset, severity), oldest first; AddAlert and seeding may create several.
    private readonly Dictionary<(string Type, string AssetId, string Severity), List<string>> _openByFingerprint = [];
    private readonly AlertIndex _all = new();
    private readonly AlertIndex[] _bySeverity = NewIndexes(4);
    private readonly AlertIndex[] _byStatus = NewIndexes(4);
    private readonly AlertIndex[] _byPair = NewIndexes(16);
    private int _sequence;
    private long _newestTicks;
    private int _threatLevel;
    private string _systemStatus;
    private DateTimeOffset _lastScan;

    internal SimulatedWorld(ScenarioOptions scenario, TimeProvider time, WebhookDispatcher events)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ValidateScenario(scenario);
        _time = time;
        _events = events;
        Region = scenario.Region;
        _threatLevel = scenario.ThreatLevel;
        _systemStatus = scenario.Status;
        // Separate streams so live ticks do not shift the ids of alerts created through the API.
        _idRandom = new Random(unchecked(scenario.Seed * 31 + 7));
        _liveRandom = new Random(unchecked(scenario.Seed * 31 + 11));
        DateTimeOffset now = TruncateToSecond(time.GetUtcNow());
        _lastScan = now - TimeSpan.FromMinutes(13);
        Seed(scenario, now);
    }

    public int ThreatLevel
    {
        get { lock (_gate) { return _threatLevel; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10);
            lock (_gate) { _threatLevel = value; }
        }
    }

    /// <summary>operational, degraded or maintenance.</summary>
    public string SystemStatus
    {
        get { lock (_gate) { return _systemStatus; } }
        set
        {
            if (!Vocabulary.IsSystemStatus(value))
            {
                throw new ArgumentException($"System status must be one of {string.Join(", ", Vocabulary.SystemStatuses)}.", nameof(value));
            }
            lock (_gate) { _systemStatus = value; }
        }
    }

    public string Region { get; }

    public DateTimeOffset LastScan
    {
        get { lock (_gate) { return _lastScan; } }
        set { lock (_gate) { _lastScan = TruncateToSecond(value); } }
    }

    /// <summary>Open + investigating alerts created in the last 24 h (the simulator's reading of "unresolved in last 24h").</summary>
    public int ActiveAlerts
    {
        get
        {
            DateTimeOffset since = _time.GetUtcNow() - ActiveWindow;
            lock (_gate)
            {
                return _byStatus[Vocabulary.StatusIndex("open")].CountSince(since)
                    + _byStatus[Vocabulary.StatusIndex("investigating")].CountSince(since);
            }
        }
    }

    /// <summary>Adds an alert as-is (no deduplication) and fires alert.created.</summary>
    public Alert AddAlert(string severity, string status, string type = "custom", string assetId = "srv_sim_01")
    {
        ValidateSeverity(severity);
        ValidateStatus(status);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(assetId);
        Alert alert;
        lock (_gate)
        {
            alert = CreateLocked(severity, status, type, assetId);
        }
        _events.PublishAlert("alert.created", alert);
        return alert;
    }

    /// <summary>The API's create: folds a duplicate of a still-open alert (same type, asset and severity) into it.</summary>
    internal (Alert Alert, bool Created) CreateOrFold(string severity, string type, string assetId)
    {
        Alert alert;
        lock (_gate)
        {
            if (_openByFingerprint.TryGetValue((type, assetId, severity), out List<string>? open))
            {
                return (_byId[open[^1]], false);
            }
            alert = CreateLocked(severity, "open", type, assetId);
        }
        _events.PublishAlert("alert.created", alert);
        return (alert, true);
    }

    /// <summary>Marks an alert resolved and fires alert.resolved. False if unknown or already resolved.</summary>
    public bool ResolveAlert(string id)
    {
        Alert resolved;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out Alert? alert) || alert.Status == "resolved")
            {
                return false;
            }
            resolved = alert with { Status = "resolved" };
            ChangeStatusLocked(alert, resolved);
        }
        _events.PublishAlert("alert.resolved", resolved);
        return true;
    }

    /// <summary>Number of alerts matching the filters (null = any).</summary>
    public int CountAlerts(string? severity, string? status)
    {
        lock (_gate)
        {
            return IndexFor(severity, status).Count;
        }
    }

    /// <summary>Every alert, newest first.</summary>
    public IReadOnlyList<Alert> AllAlerts()
    {
        lock (_gate)
        {
            return _all.NewestFirst();
        }
    }

    public Alert? FindAlert(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    /// <summary>Fires asset.vulnerable.</summary>
    public void RaiseAssetVulnerable(string assetId = "srv_sim_01", string vulnerabilityId = "CVE-2025-0001", string severity = "high")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(assetId);
        ArgumentException.ThrowIfNullOrWhiteSpace(vulnerabilityId);
        ValidateSeverity(severity);
        _events.PublishAssetVulnerable(new AssetVulnerableData(assetId, vulnerabilityId, severity, FormatTime(_time.GetUtcNow())));
    }

    /// <summary>Fires compliance.failed.</summary>
    public void RaiseComplianceFailed(string checkId = "cis-5.2.1", string framework = "CIS", string assetId = "srv_sim_01")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkId);
        ArgumentException.ThrowIfNullOrWhiteSpace(framework);
        ArgumentException.ThrowIfNullOrWhiteSpace(assetId);
        _events.PublishComplianceFailed(new ComplianceFailedData(checkId, framework, assetId, FormatTime(_time.GetUtcNow())));
    }

    /// <summary>
    /// One live-mode step (deterministic from the seed): the threat level drifts by at most 1 within 0-10,
    /// and now and then an alert is raised or resolved, a scan completes, an asset turns vulnerable or a
    /// compliance check fails, each firing its webhook.
    /// </summary>
    public void Tick()
    {
        int drift;
        bool investigating;
        double raise, resolve, scan, vulnerable, compliance;
        string severity, type, asset;
        int resolvePick;
        lock (_gate)
        {
            drift = _liveRandom.Next(-1, 2);
            investigating = _liveRandom.NextDouble() >= 0.7;
            raise = _liveRandom.NextDouble();
            resolve = _liveRandom.NextDouble();
            scan = _liveRandom.NextDouble();
            vulnerable = _liveRandom.NextDouble();
            compliance = _liveRandom.NextDouble();
            severity = Vocabulary.Severities[_liveRandom.Next(Vocabulary.Severities.Length)];
            type = Vocabulary.SeededTypes[_liveRandom.Next(Vocabulary.SeededTypes.Length)];
            asset = Vocabulary.Assets[_liveRandom.Next(Vocabulary.Assets.Length)];
            resolvePick = _liveRandom.Next();
            _threatLevel = Math.Clamp(_threatLevel + drift, 0, 10);
            if (scan < 0.2)
            {
                _lastScan = TruncateToSecond(_time.GetUtcNow());
            }
        }
        if (raise < 0.3)
        {
            AddAlert(severity, investigating ? "investigating" : "open", type, asset);
        }
        if (resolve < 0.2)
        {
            string? id = PickUnresolved(resolvePick);
            if (id is not null)
            {
                ResolveAlert(id);
            }
        }
        if (vulnerable < 0.05)
        {
            RaiseAssetVulnerable(asset, $"CVE-2025-{1000 + (resolvePick % 9000)}", severity);
        }
        if (compliance < 0.05)
        {
            RaiseComplianceFailed($"cis-{1 + (resolvePick % 6)}.{1 + (resolvePick % 4)}", "CIS", asset);
        }
    }

    /// <summary>A page for the API: newest first, strictly after the position, at most <paramref name="take"/>.</summary>
    internal List<Alert> Page(string? severity, string? status, AlertPosition? after, int take)
    {
        lock (_gate)
        {
            return IndexFor(severity, status).Page(after, take);
        }
    }

    internal static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private string? PickUnresolved(int pick)
    {
        lock (_gate)
        {
            AlertIndex open = _byStatus[Vocabulary.StatusIndex("open")];
            AlertIndex investigating = _byStatus[Vocabulary.StatusIndex("investigating")];
            int total = open.Count + investigating.Count;
            if (total == 0)
            {
                return null;
            }
            // Bias towards recent alerts (the first page), which is where a real SOC resolves things.
            int k = pick % Math.Min(total, 20);
            List<Alert> candidates = open.Page(null, 10);
            candidates.AddRange(investigating.Page(null, 10));
            return candidates.Count == 0 ? null : candidates[k % candidates.Count].Id;
        }
    }

    private void Seed(ScenarioOptions scenario, DateTimeOffset now)
    {
        var random = new Random(scenario.Seed);
        var seeded = new List<(long Ticks, string Severity, string Status, string Type, string Asset)>();
        foreach (string severity in Vocabulary.Severities)
        {
            foreach (string status in Vocabulary.AlertStatuses)
            {
                int n = scenario.AlertCounts.TryGetValue((severity, status), out int c) ? c : scenario.AlertsPerSeverityAndStatus;
                for (int i = 0; i < n; i++)
                {
                    long back = (long)(random.NextDouble() * SeedSpread.Ticks);
                    seeded.Add((
                        TruncateToSecond(now - TimeSpan.FromTicks(back)).UtcTicks,
                        severity,
                        status,
                        Vocabulary.SeededTypes[random.Next(Vocabulary.SeededTypes.Length)],
                        Vocabulary.Assets[random.Next(Vocabulary.Assets.Length)]));
                }
            }
        }
        // Ids carry a sequence, so assigning them in time order keeps ids monotonic with created_at.
        seeded.Sort((a, b) => a.Ticks.CompareTo(b.Ticks));
        foreach (var s in seeded)
        {
            var alert = new Alert(NextId(), s.Severity, s.Type, s.Asset, new DateTimeOffset(s.Ticks, TimeSpan.Zero), s.Status);
            InsertLocked(alert);
        }
    }

    private Alert CreateLocked(string severity, string status, string type, string assetId)
    {
        // created_at never goes backwards and the id sequence grows, so a new alert always sorts as the
        // newest: keyset pages already handed out can neither skip nor repeat because of it.
        long ticks = Math.Max(TruncateToSecond(_time.GetUtcNow()).UtcTicks, _newestTicks);
        var alert = new Alert(NextId(), severity, type, assetId, new DateTimeOffset(ticks, TimeSpan.Zero), status);
        InsertLocked(alert);
        return alert;
    }

    private void InsertLocked(Alert alert)
    {
        _byId.Add(alert.Id, alert);
        _all.Insert(alert);
        _bySeverity[Vocabulary.SeverityIndex(alert.Severity)].Insert(alert);
        _byStatus[Vocabulary.StatusIndex(alert.Status)].Insert(alert);
        _byPair[PairIndex(alert.Severity, alert.Status)].Insert(alert);
        _newestTicks = Math.Max(_newestTicks, alert.CreatedAt.UtcTicks);
        if (alert.Status == "open")
        {
            var fingerprint = (alert.Type, alert.AssetId, alert.Severity);
            if (!_openByFingerprint.TryGetValue(fingerprint, out List<string>? open))
            {
                _openByFingerprint[fingerprint] = open = [];
            }
            open.Add(alert.Id);
        }
    }

    private void ChangeStatusLocked(Alert old, Alert updated)
    {
        _byId[updated.Id] = updated;
        _all.Replace(updated);
        _bySeverity[Vocabulary.SeverityIndex(updated.Severity)].Replace(updated);
        _byStatus[Vocabulary.StatusIndex(old.Status)].Remove(old);
        _byStatus[Vocabulary.StatusIndex(updated.Status)].Insert(updated);
        _byPair[PairIndex(old.Severity, old.Status)].Remove(old);
        _byPair[PairIndex(updated.Severity, updated.Status)].Insert(updated);
        var fingerprint = (old.Type, old.AssetId, old.Severity);
        if (old.Status == "open" && _openByFingerprint.TryGetValue(fingerprint, out List<string>? open))
        {
            open.Remove(old.Id);
            if (open.Count == 0)
            {
                _openByFingerprint.Remove(fingerprint);
            }
        }
    }

    private AlertIndex IndexFor(string? severity, string? status) => (severity, status) switch
    {
        (null, null) => _all,
        (not null, null) => _bySeverity[Vocabulary.SeverityIndex(severity)],
        (null, not null) => _byStatus[Vocabulary.StatusIndex(status)],
        _ => _byPair[PairIndex(severity!, status!)],
    };

    private string NextId()
    {
        int seq = _sequence++;
        Span<char> id = stackalloc char[12];
        for (int i = 4; i >= 0; i--)
        {
            id[i] = Base62[seq % 62];
            seq /= 62;
        }
        for (int i = 5; i < 12; i++)
        {
            id[i] = Base62[_idRandom.Next(62)];
        }
        return "alt_" + new string(id);
    }

    private static int PairIndex(string severity, string status) => (Vocabulary.SeverityIndex(severity) * 4) + Vocabulary.StatusIndex(status);

    private static AlertIndex[] NewIndexes(int n)
    {
        var result = new AlertIndex[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = new AlertIndex();
        }
        return result;
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static void ValidateSeverity(string severity)
    {
        if (!Vocabulary.IsSeverity(severity))
        {
            throw new ArgumentException($"Severity must be one of {string.Join(", ", Vocabulary.Severities)}.", nameof(severity));
        }
    }

    private static void ValidateStatus(string status)
    {
        if (!Vocabulary.IsAlertStatus(status))
        {
            throw new ArgumentException($"Alert status must be one of {string.Join(", ", Vocabulary.AlertStatuses)}.", nameof(status));
        }
    }

    private static void ValidateScenario(ScenarioOptions s)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(s.AlertsPerSeverityAndStatus);
        if (s.ThreatLevel is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(s), "Scenario.ThreatLevel must be within 0-10.");
        }
        if (!Vocabulary.IsSystemStatus(s.Status))
        {
            throw new ArgumentException($"Scenario.Status must be one of {string.Join(", ", Vocabulary.SystemStatuses)}.", nameof(s));
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(s.Region);
        if (s.LiveTickInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(s), "Scenario.LiveTickInterval must be positive.");
        }
        foreach (var ((severity, status), count) in s.AlertCounts)
        {
            if (!Vocabulary.IsSeverity(severity) || !Vocabulary.IsAlertStatus(status) || count < 0)
            {
                throw new ArgumentException($"Scenario.AlertCounts has an invalid entry ({severity}, {status}) = {count}.", nameof(s));
            }
        }
    }
}
