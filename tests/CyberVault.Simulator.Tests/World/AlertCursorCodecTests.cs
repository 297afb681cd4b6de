namespace CyberVault.Simulator.Tests.World;

public sealed class AlertCursorCodecTests
{
    [Fact]
    public void A_cursor_round_trips_its_position()
    {
        var codec = new AlertCursorCodec();
        var position = new AlertPosition(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).UtcTicks, "alt_0000aBcDeFg");

        string cursor = codec.Encode(position);

        Assert.True(codec.TryDecode(cursor, out AlertPosition decoded));
        Assert.Equal(position, decoded);
        Assert.Matches("^[A-Za-z0-9_-]+$", cursor); // base64url: safe in a query string
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("AQ")]
    [InlineData("eyJwYWdlIjoyLCJ0aW1lc3RhbXAiOjE3MTgzNDU2MzF9")]
    public void Garbage_is_rejected(string cursor) => Assert.False(new AlertCursorCodec().TryDecode(cursor, out _));

    [Fact]
    public void Every_single_bit_flip_is_rejected()
    {
        var codec = new AlertCursorCodec();
        byte[] bytes = System.Buffers.Text.Base64Url.DecodeFromChars(codec.Encode(new AlertPosition(123456789, "alt_x")));

        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] copy = [.. bytes];
            copy[i] ^= 0x04;
            Assert.False(codec.TryDecode(System.Buffers.Text.Base64Url.EncodeToString(copy), out _), $"byte {i}");
        }
    }

    [Fact]
    public void A_cursor_from_another_codec_is_rejected()
    {
        string cursor = new AlertCursorCodec().Encode(new AlertPosition(1, "alt_1"));

        Assert.False(new AlertCursorCodec().TryDecode(cursor, out _));
    }
}
