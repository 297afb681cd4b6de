using System.Security.Cryptography;

namespace CyberVault.Exporter.Webhooks;

/// <summary>
/// The <c>X-CV-Signature</c> check: hex HMAC-SHA256(secret, raw body bytes), as in the API reference's Python
/// recipe. A <c>sha256=</c> prefix is accepted (any case), hex digits in either case; the comparison is constant
/// time and tries every secret, so a rotation can keep the old and the new one at once.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "X-CV-Signature";
    public const string Prefix = "sha256=";

    /// <summary>HMAC-SHA256 output size.</summary>
    public const int SignatureBytes = 32;

    /// <summary>Decodes a header value into the 32 signature bytes; false for anything else (missing, short, long, non-hex).</summary>
    public static bool TryParse(ReadOnlySpan<char> header, Span<byte> signature)
    {
        if (signature.Length != SignatureBytes)
        {
            throw new ArgumentException($"The signature buffer must be {SignatureBytes} bytes.", nameof(signature));
        }

        var text = header.Trim();
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        // Length first: a truncated or padded value is refused before any decoding.
        if (text.Length != SignatureBytes * 2)
        {
            return false;
        }

        for (var i = 0; i < SignatureBytes; i++)
        {
            var high = HexValue(text[2 * i]);
            var low = HexValue(text[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            signature[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>True when <paramref name="signature"/> is the HMAC of <paramref name="body"/> under at least one secret.</summary>
    public static bool Matches(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature, IReadOnlyList<byte[]> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (signature.Length != SignatureBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SignatureBytes];
        var matched = false;
        // Every secret is tried even after a match, so the time taken does not tell which one matched.
        foreach (var secret in secrets)
        {
            HMACSHA256.HashData(secret, body, expected);
            matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }

        return matched;
    }

    /// <summary>Parses the header and checks it: false when missing, malformed or wrong.</summary>
    public static bool Verify(ReadOnlySpan<byte> body, string? header, IReadOnlyList<byte[]> secrets)
    {
        Span<byte> signature = stackalloc byte[SignatureBytes];
        return header is not null && TryParse(header, signature) && Matches(body, signature, secrets);
    }

    /// <summary>Lowercase hex HMAC-SHA256 (what CyberVault sends; for tests, the benchmark and the demo).</summary>
    public static string Sign(ReadOnlySpan<byte> body, ReadOnlySpan<byte> secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
