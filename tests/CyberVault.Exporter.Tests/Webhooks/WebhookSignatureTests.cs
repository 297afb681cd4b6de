using System.Text;
using CyberVault.Exporter.Webhooks;

namespace CyberVault.Exporter.Tests.Webhooks;

public class WebhookSignatureTests
{
    /// <summary>
    /// The API reference's Python recipe, <c>hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()</c>, over
    /// this body and secret; computed independently with
    /// <c>printf '%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test_3f9a1c -hex</c>.
    /// </summary>
    internal const string VectorBody = """{"id":"evt_0001","type":"alert.created","created_at":"2025-06-14T14:02:11Z","data":{"id":"alt_9x2kL1mP4nQ7","severity":"critical","type":"sql_injection","asset_id":"srv_prod_db_01","created_at":"2025-06-14T14:02:11Z","status":"open"}}""";

    internal const string VectorSecret = "whsec_test_3f9a1c";

    internal const string VectorSignature = "c1aee5c4b092e0f92b20b0fb8468d2b90d1cd5a0a494b155328c664ea7a8e616";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(VectorBody);

    private static readonly IReadOnlyList<byte[]> Secrets = [Encoding.UTF8.GetBytes(VectorSecret)];

    [Fact]
    public void The_reference_recipe_test_vector_verifies()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(Body, Encoding.UTF8.GetBytes(VectorSecret)));
        Assert.True(WebhookSignature.Verify(Body, VectorSignature, Secrets));
    }

    [Fact]
    public void A_body_with_one_byte_changed_does_not_verify()
    {
        var tampered = (byte[])Body.Clone();
        tampered[Array.IndexOf(tampered, (byte)'c', 60)] = (byte)'C';
        Assert.False(WebhookSignature.Verify(tampered, VectorSignature, Secrets));
        Assert.False(WebhookSignature.Verify([.. Body, (byte)' '], VectorSignature, Secrets));
    }

    [Fact]
    public void A_signature_with_one_digit_changed_does_not_verify()
    {
        var tampered = "d" + VectorSignature[1..];
        Assert.False(WebhookSignature.Verify(Body, tampered, Secrets));
    }

    [Fact]
    public void A_signature_made_with_another_secret_does_not_verify()
    {
        var other = WebhookSignature.Sign(Body, Encoding.UTF8.GetBytes("whsec_other"));
        Assert.False(WebhookSignature.Verify(Body, other, Secrets));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(62)]
    [InlineData(32)]
    [InlineData(0)]
    public void A_truncated_signature_does_not_verify(int length)
    {
        Assert.False(WebhookSignature.Verify(Body, VectorSignature[..length], Secrets));
    }

    [Fact]
    public void A_signature_with_extra_digits_does_not_verify()
    {
        Assert.False(WebhookSignature.Verify(Body, VectorSignature + "00", Secrets));
    }

    [Fact]
    public void Upper_case_hex_verifies()
    {
        Assert.True(WebhookSignature.Verify(Body, VectorSignature.ToUpperInvariant(), Secrets));
    }

    [Theory]
    [InlineData("sha256=")]
    [InlineData("SHA256=")]
    [InlineData(" sha256=")]
    public void The_sha256_prefix_is_accepted(string prefix)
    {
        Assert.True(WebhookSignature.Verify(Body, prefix + VectorSignature, Secrets));
    }

    [Theory]
    [InlineData("sha1=")]
    [InlineData("sha256:")]
    [InlineData("sha256=sha256=")]
    public void Another_prefix_is_not_accepted(string prefix)
    {
        Assert.False(WebhookSignature.Verify(Body, prefix + VectorSignature, Secrets));
    }

    [Fact]
    public void With_two_secrets_a_signature_by_either_verifies_and_by_neither_does_not()
    {
        IReadOnlyList<byte[]> two = [Encoding.UTF8.GetBytes("whsec_old"), Encoding.UTF8.GetBytes(VectorSecret)];
        Assert.True(WebhookSignature.Verify(Body, VectorSignature, two));
        Assert.True(WebhookSignature.Verify(Body, WebhookSignature.Sign(Body, Encoding.UTF8.GetBytes("whsec_old")), two));
        Assert.False(WebhookSignature.Verify(Body, WebhookSignature.Sign(Body, Encoding.UTF8.GetBytes("whsec_third")), two));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not hex at all, but sixty-four characters long ..................")]
    public void A_missing_or_non_hex_signature_does_not_verify(string? header)
    {
        Assert.False(WebhookSignature.Verify(Body, header, Secrets));
    }

    [Fact]
    public void No_secret_verifies_nothing()
    {
        Assert.False(WebhookSignature.Verify(Body, VectorSignature, []));
    }
}
