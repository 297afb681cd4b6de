using System.Diagnostics;
using CyberVault.Exporter.Web.Security;

namespace CyberVault.Exporter.Tests.Web.Security;

public sealed class BasicAuthenticatorTests
{
    private const int Cost = 10;

    private static readonly string AliceHash = BCrypt.Net.BCrypt.HashPassword("alice-password", Cost);

    [Fact]
    public void The_right_password_passes_and_a_wrong_one_or_an_unknown_user_does_not()
    {
        var authenticator = new BasicAuthenticator(new Dictionary<string, string> { ["alice"] = AliceHash });

        Assert.True(authenticator.Verify("alice", "alice-password"));
        Assert.False(authenticator.Verify("alice", "alice-passwort"));
        Assert.False(authenticator.Verify("bob", "alice-password"));
        Assert.False(authenticator.Verify("Alice", "alice-password"));
    }

    [Fact]
    public void Unknown_users_are_checked_against_a_dummy_hash_of_the_same_cost_so_they_take_as_long()
    {
        var authenticator = new BasicAuthenticator(new Dictionary<string, string>
        {
            ["alice"] = AliceHash,
            ["cheap"] = BCrypt.Net.BCrypt.HashPassword("x", 4),
        });

        Assert.Equal(Cost, BasicAuthenticator.Cost(authenticator.DummyHash));
        var known = Time(() => authenticator.Verify("alice", "wrong-1"));
        var unknown = Time(() => authenticator.Verify("mallory", "wrong-1"));
        // A dictionary miss answered at once would take microseconds; a cost-10 bcrypt takes tens of milliseconds.
        Assert.True(unknown > known / 3, $"unknown user answered in {unknown.TotalMilliseconds} ms, known in {known.TotalMilliseconds} ms");
    }

    [Fact]
    public void A_verified_password_is_cached_so_the_next_scrape_costs_no_bcrypt()
    {
        var authenticator = new BasicAuthenticator(new Dictionary<string, string> { ["alice"] = AliceHash });
        var first = Time(() => Assert.True(authenticator.Verify("alice", "alice-password")));

        var second = Time(() => Assert.True(authenticator.Verify("alice", "alice-password")));

        Assert.Equal(1, authenticator.CachedResults);
        Assert.True(second < first / 10, $"cached check took {second.TotalMilliseconds} ms, first {first.TotalMilliseconds} ms");
    }

    [Fact]
    public void The_cache_stays_bounded_under_a_flood_of_guesses()
    {
        var authenticator = new BasicAuthenticator(new Dictionary<string, string> { ["alice"] = BCrypt.Net.BCrypt.HashPassword("p", 4) });

        for (var i = 0; i < BasicAuthenticator.CacheCapacity * 2; i++)
        {
            Assert.False(authenticator.Verify("alice", "guess-" + i));
        }

        Assert.InRange(authenticator.CachedResults, 1, BasicAuthenticator.CacheCapacity);
        Assert.True(authenticator.Verify("alice", "p"));
    }

    [Fact]
    public void Without_users_basic_auth_is_off()
    {
        Assert.False(new BasicAuthenticator(new Dictionary<string, string>()).Enabled);
    }

    private static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }
}
