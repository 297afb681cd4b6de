using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CyberVault.Simulator;

/// <summary>
/// Opaque pagination cursor: base64url(version | created_at ticks | id | HMAC-SHA256 prefix). The MAC key is
/// random per simulator instance, so a forged, edited or garbage cursor is rejected (400) rather than
/// silently paging from a wrong place. Cursors do not survive a restart, like short-lived real ones.
/// </summary>
internal sealed class AlertCursorCodec
{
    private const byte Version = 1;
    private const int MacLength = 16;
    private const int MaxIdBytes = 64;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Encode(AlertPosition position)
    {
        byte[] id = Encoding.UTF8.GetBytes(position.Id);
        var payload = new byte[1 + 8 + id.Length];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), position.CreatedAtTicks);
        id.CopyTo(payload, 9);
        byte[] mac = HMACSHA256.HashData(_key, payload);
        var all = new byte[payload.Length + MacLength];
        payload.CopyTo(all, 0);
        mac.AsSpan(0, MacLength).CopyTo(all.AsSpan(payload.Length));
        return Base64Url.EncodeToString(all);
    }

    public bool TryDecode(string cursor, out AlertPosition position)
    {
        position = default;
        if (cursor.Length is 0 or > 256)
        {
            return false;
        }
        byte[] all;
        try
        {
            all = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }
        if (all.Length < 1 + 8 + MacLength || all.Length > 1 + 8 + MaxIdBytes + MacLength || all[0] != Version)
        {
            return false;
        }
        ReadOnlySpan<byte> payload = all.AsSpan(0, all.Length - MacLength);
        byte[] expected = HMACSHA256.HashData(_key, payload);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, MacLength), all.AsSpan(all.Length - MacLength)))
        {
            return false;
        }
        position = new AlertPosition(
            BinaryPrimitives.ReadInt64BigEndian(payload[1..]),
            Encoding.UTF8.GetString(payload[9..]));
        return true;
    }
}
