using System.Net;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;

namespace CyberVault.Exporter.Tests.Api;

public class ApiKeyHandlerTests
{
    [Fact]
    public async Task The_key_is_on_the_request_only_while_it_is_below_the_handler_even_when_the_attempt_fails()
    {
        string? seen = null;
        var calls = 0;
        var socket = new StubHandler((request, n, _) =>
        {
            seen = request.Headers.Authorization?.ToString();
            calls = n;
            return n == 1 ? throw new HttpRequestException("reset") : Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        });
        using var handler = new ApiKeyHandler(new ApiKeyProvider(new ApiKeySource(null, "CV_KEY"), _ => TestSupport.Key)) { InnerHandler = socket };
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.test.invalid/v2/status");

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, TestContext.Current.CancellationToken));
        Assert.Equal("Bearer " + TestSupport.Key, seen);
        Assert.Null(request.Headers.Authorization);

        // A retry sends the same message again: the key is attached afresh and removed again.
        using var response = await invoker.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(2, calls);
        Assert.Equal("Bearer " + TestSupport.Key, seen);
        Assert.Null(request.Headers.Authorization);
    }
}
