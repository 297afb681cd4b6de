using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace CyberVault.Exporter.Tests.Webhooks;

public class WebhookFuzzTests
{
    private const int Deliveries = 10_000;

    private static readonly string[] Bases =
    [
        WebhookTestHost.Event("alert.created", "evt_a", WebhookTestHost.AlertData("critical", "open")),
        WebhookTestHost.Event("alert.resolved", "evt_b", WebhookTestHost.AlertData("high", "resolved")),
        WebhookTestHost.Event("asset.vulnerable", "evt_c", """{"asset_id":"srv_1","vulnerability_id":"CVE-2025-1","severity":"high","detected_at":"2026-01-05T10:00:00Z"}"""),
        WebhookTestHost.Event("compliance.failed", "evt_d", """{"check_id":"cis-1.1","framework":"CIS","asset_id":"srv_1","failed_at":"2026-01-05T10:00:00Z"}"""),
        WebhookTestHost.Event("user.deleted", "evt_e"),
        """{"type":"alert.created","data":{"severity":"low","status":"investigating","nested":{"a":[1,2,{"b":null}]}}}""",
    ];

    /// <summary>
    /// 10,000 deliveries with mutated bodies and signatures (seeded, so a failure reproduces) against the real endpoint
    /// on loopback. The expected verdict is computed here independently from the handler: a delivery is genuine only
    /// if its header, minus an optional sha256= prefix, is the hex HMAC of the exact bytes sent.
    /// </summary>
    [Fact]
    public async Task Ten_thousand_mutated_deliveries_never_crash_never_get_a_5xx_and_only_genuine_ones_are_accepted()
    {
        await using var host = await WebhookTestHost.StartAsync(w => w with { MaxBodyBytes = 4096 });
        await host.SweepWithAsync(1);
        var random = new Random(20260105);
        var secret = Encoding.UTF8.GetBytes(WebhookTestHost.Secret);
        var genuine = 0;
        var statuses = new Dictionary<HttpStatusCode, int>();
        var started = DateTime.UtcNow;

        for (var i = 0; i < Deliveries; i++)
        {
            var original = Encoding.UTF8.GetBytes(Bases[random.Next(Bases.Length)]);
            var body = random.Next(4) == 0 ? original : MutateBody(original, random);
            var header = Signature(original, body, secret, random);
            var isGenuine = IsGenuine(body, header, secret) && body.Length <= 4096;

            using var response = await host.PostBytesAsync(body, header);
            var status = response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;

            Assert.True((int)status < 500, $"delivery {i} got {(int)status}");
            if (isGenuine)
            {
                genuine++;
                Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.Accepted, HttpStatusCode.BadRequest });
            }
            else
            {
                Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.RequestEntityTooLarge, $"delivery {i} without a valid signature got {(int)status}");
            }
        }

        var metrics = await host.MetricsAsync();
        var verified = Sum(metrics, "accepted") + Sum(metrics, "duplicate") + Sum(metrics, "ignored") + Sum(metrics, "malformed");
        var refused = Sum(metrics, "invalid_signature") + Sum(metrics, "too_large");
        Assert.Equal(genuine, verified);
        Assert.Equal(Deliveries - genuine, refused);
        // Both sides were exercised, or the test proves little.
        Assert.InRange(genuine, Deliveries / 10, Deliveries - (Deliveries / 10));
        Assert.True(statuses.ContainsKey(HttpStatusCode.OK) && statuses.ContainsKey(HttpStatusCode.Unauthorized) && statuses.ContainsKey(HttpStatusCode.BadRequest));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the randomized run should stay well under a minute");
    }

    private static double Sum(string metrics, string result) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("cybervault_webhook_events_total{", StringComparison.Ordinal) && l.Contains($"result=\"{result}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static bool IsGenuine(byte[] body, string? header, byte[] secret)
    {
        if (header is null)
        {
            return false;
        }

        var value = header.Trim();
        if (value.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            value = value[7..];
        }

        return string.Equals(value, Convert.ToHexStringLower(HMACSHA256.HashData(secret, body)), StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] MutateBody(byte[] original, Random random)
    {
        var body = new List<byte>(original);
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(8))
            {
                case 0 when body.Count > 0:
                    body[random.Next(body.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    body.Insert(random.Next(body.Count + 1), (byte)random.Next(256));
                    break;
                case 2 when body.Count > 1:
                    var start = random.Next(body.Count);
                    body.RemoveRange(start, random.Next(1, body.Count - start + 1));
                    break;
                case 3:
                    body = [.. body.Take(random.Next(body.Count + 1))];
                    break;
                case 4:
                    var junk = new byte[random.Next(1, 64)];
                    random.NextBytes(junk);
                    body.InsertRange(random.Next(body.Count + 1), junk);
                    break;
                case 5:
                    // Past max_body_bytes now and then.
                    if (random.Next(20) == 0)
                    {
                        body.AddRange(Enumerable.Repeat((byte)' ', 4096));
                    }

                    break;
                case 6:
                    var token = Encoding.UTF8.GetBytes(new[] { "\"", "{", "}", "[", "null", "\\u0000", "1e999", "\"type\":\"alert.created\"", "ü", "\uFFFF" }[random.Next(10)]);
                    body.InsertRange(random.Next(body.Count + 1), token);
                    break;
                default:
                    var nested = Encoding.UTF8.GetBytes(new string('[', random.Next(1, 200)));
                    body.InsertRange(random.Next(body.Count + 1), nested);
                    break;
            }
        }

        return [.. body];
    }

    /// <summary>A signature header: often right for the bytes sent, often right only for the original, or broken in some way.</summary>
    private static string? Signature(byte[] original, byte[] body, byte[] secret, Random random)
    {
        var forBody = Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));
        var forOriginal = Convert.ToHexStringLower(HMACSHA256.HashData(secret, original));
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
                return forBody;
            case 3:
                return "sha256=" + forBody.ToUpperInvariant();
            case 4:
                return forOriginal;
            case 5:
                var chars = forBody.ToCharArray();
                var at = random.Next(chars.Length);
                chars[at] = chars[at] == '0' ? '1' : '0';
                return new string(chars);
            case 6:
                return forBody[..random.Next(forBody.Length)];
            case 7:
                return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_other"), body));
            case 8:
                return null;
            default:
                var garbage = new char[random.Next(0, 100)];
                for (var i = 0; i < garbage.Length; i++)
                {
                    garbage[i] = (char)random.Next(0x21, 0x7f);
                }

                return new string(garbage);
        }
    }
}
