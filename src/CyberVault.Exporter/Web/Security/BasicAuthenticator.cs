using System.Security.Cryptography;
using System.Text;

namespace CyberVault.Exporter.Web.Security;

/// <summary>
/// Checks basic auth credentials against the bcrypt hashes of one web configuration, as the exporter-toolkit does:
/// an unknown user is checked against a dummy hash of the same cost, so the answer takes as long as for a known user
/// and does not reveal which names exist; results are cached (bcrypt per scrape would cost a core), keyed by an HMAC of
/// user and password under a per-process key, so the plain password is never kept.
/// </summary>
internal sealed class BasicAuthenticator
{
    /// <summary>Enough for every scraper of a normal deployment; a flood of guesses cannot grow it further.</summary>
    public const int CacheCapacity = 256;

    private readonly IReadOnlyDictionary<string, string> _users;
    private readonly Dictionary<string, bool> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();
    // bcrypt is meant to be slow; one at a time, as in the toolkit, so guesses cannot take every core.
    private readonly Lock _bcryptLock = new();
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);

    public BasicAuthenticator(IReadOnlyDictionary<string, string> users)
    {
        _users = users ?? throw new ArgumentNullException(nameof(users));
        var cost = users.Count == 0 ? 4 : users.Values.Max(Cost);
        DummyHash = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)), cost);
    }

    public bool Enabled => _users.Count > 0;

    /// <summary>The hash unknown users are checked against: random password, the highest cost of the real ones.</summary>
    internal string DummyHash { get; }

    internal int CachedResults
    {
        get
        {
            lock (_cacheLock)
            {
                return _cache.Count;
            }
        }
    }

    public static int Cost(string bcryptHash)
    {
        ArgumentNullException.ThrowIfNull(bcryptHash);
        return (bcryptHash[4] - '0') * 10 + (bcryptHash[5] - '0');
    }

    public bool Verify(string user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        var known = _users.TryGetValue(user, out var hash);
        var key = CacheKey(user, password);
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                return cached;
            }
        }

        bool matches;
        lock (_bcryptLock)
        {
            matches = BCrypt.Net.BCrypt.Verify(password, known ? hash : DummyHash);
        }

        var ok = known && matches;
        lock (_cacheLock)
        {
            MakeRoom();
            _cache[key] = ok;
        }

        return ok;
    }

    private string CacheKey(string user, string password)
    {
        // Unambiguous: a basic auth user name ends at the first ':' (and the loader refuses names with one).
        var bytes = Encoding.UTF8.GetBytes(user + ":" + password);
        return Convert.ToHexString(HMACSHA256.HashData(_cacheKey, bytes));
    }

    /// <summary>At capacity, drops a random tenth: no bookkeeping per hit, and no single entry is kept or evicted by design.</summary>
    private void MakeRoom()
    {
        if (_cache.Count < CacheCapacity)
        {
            return;
        }

        var victims = _cache.Keys.Where(_ => Random.Shared.Next(10) == 0).ToList();
        if (victims.Count == 0)
        {
            victims.Add(_cache.Keys.First());
        }

        foreach (var victim in victims)
        {
            _cache.Remove(victim);
        }
    }
}
