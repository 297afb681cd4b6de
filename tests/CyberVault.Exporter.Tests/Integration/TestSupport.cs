using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CyberVault.Exporter.Api;
using CyberVault.Exporter.Configuration;
using CyberVault.Exporter.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CyberVault.Exporter.Tests;

/// <summary>Shared helpers of the engine tests.</summary>
internal static class TestSupport
{
    /// <summary>A realistic start: FakeTimeProvider's default (year 2000) is below the 1e9 epoch threshold of X-RateLimit-Reset.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    public const string Key = "cv_test_Secr3tKeyValue_0123456789";

    public static FakeTimeProvider NewTime() => new(Start);

    public static TargetConfig Target(
        Uri? baseUrl = null,
        Tier tier = Tier.Starter,
        double share = 0.5,
        string? keyFile = null,
        string? caFile = null,
        bool allowInsecureHttp = false,
        PollingConfig? polling = null,
        string name = "prod") => new()
        {
            Name = name,
            BaseUrl = baseUrl ?? new Uri("https://api.test.invalid/v2"),
            ApiKey = keyFile is null ? new ApiKeySource(null, "CV_TEST_UNUSED") : new ApiKeySource(keyFile, null),
            Tier = tier,
            BudgetShare = share,
            TlsCaFile = caFile,
            AllowInsecureHttp = allowInsecureHttp,
            Polling = polling ?? new PollingConfig(),
        };

    /// <summary>A runtime whose key comes from a fixed value (no file, no environment).</summary>
    public static TargetRuntime Runtime(TargetConfig target, TimeProvider time, string key = Key) =>
        new(target, new global::CyberVault.Exporter.Budget.RequestBudget(global::CyberVault.Exporter.Budget.BudgetPlan.For(target), time, target.Name), new ApiKeyProvider(new ApiKeySource(null, "CV_KEY"), _ => key), new());

    /// <summary>
    /// Waits (in real time, bounded) for <paramref name="task"/> to finish, advancing fake time by <paramref name="step"/>
    /// whenever it is still pending and <paramref name="quiet"/> says nothing is in flight on a real socket.
    /// </summary>
    public static async Task DriveAsync(FakeTimeProvider time, Task task, TimeSpan step, TimeSpan maxFake, Func<bool>? quiet = null)
    {
        var end = time.GetUtcNow() + maxFake;
        var realDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!task.IsCompleted)
        {
            await Task.WhenAny(task, Task.Delay(1, TestContext.Current.CancellationToken));
            if (task.IsCompleted)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < realDeadline, "the driven task did not finish within 60 s of real time");
            if (quiet is null || quiet())
            {
                Assert.True(time.GetUtcNow() < end, $"the driven task did not finish within {maxFake} of fake time");
                time.Advance(step);
            }
        }

        await task;
    }

    /// <summary>Advances fake time by <paramref name="total"/> in steps, letting continuations run between steps.</summary>
    public static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan total, TimeSpan step, Func<bool>? quiet = null)
    {
        var end = time.GetUtcNow() + total;
        var realDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (time.GetUtcNow() < end)
        {
            await Task.Delay(1, TestContext.Current.CancellationToken);
            if (quiet is not null)
            {
                while (!quiet())
                {
                    Assert.True(DateTime.UtcNow < realDeadline, "requests stayed in flight for 60 s of real time");
                    await Task.Delay(1, TestContext.Current.CancellationToken);
                }
            }

            var next = end - time.GetUtcNow();
            time.Advance(next < step ? next : step);
        }

        await Task.Delay(5, TestContext.Current.CancellationToken);
    }

    /// <summary>The most items within any window of <paramref name="width"/> (closed at both ends).</summary>
    public static int MaxInWindow(IReadOnlyList<DateTimeOffset> times, TimeSpan width)
    {
        var sorted = times.OrderBy(t => t).ToList();
        var max = 0;
        var start = 0;
        for (var end = 0; end < sorted.Count; end++)
        {
            while (sorted[end] - sorted[start] > width)
            {
                start++;
            }

            max = Math.Max(max, end - start + 1);
        }

        return max;
    }
}

/// <summary>Records every observed attempt.</summary>
internal sealed class RecordingObserver : IApiRequestObserver
{
    public ConcurrentQueue<(string Target, string Endpoint, string Code)> Attempts { get; } = new();

    public void Observe(string target, string endpoint, string code, TimeSpan duration) => Attempts.Enqueue((target, endpoint, code));
}

/// <summary>A scripted server standing in for the network below the handler chain.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, int, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    private int _count;

    public ConcurrentQueue<(Uri Uri, string? Authorization)> Requests { get; } = new();

    public int Count => Volatile.Read(ref _count);

    public static HttpResponseMessage Json(string json, HttpStatusCode code = HttpStatusCode.OK)
    {
        var response = new HttpResponseMessage(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return response;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _count);
        Requests.Enqueue((request.RequestUri!, request.Headers.Authorization?.ToString()));
        return respond(request, n, cancellationToken);
    }
}

/// <summary>Counts requests on a real socket so fake time is only advanced while none is in flight.</summary>
internal sealed class InFlightHandler(HttpMessageHandler inner, InFlightCounter counter) : DelegatingHandler(inner)
{

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Enter();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            // Read the (small) body now, so the caller's parsing does not race a fake-time advance.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
        finally
        {
            counter.Leave();
        }
    }
}

internal sealed class InFlightCounter
{
    private int _inFlight;

    public bool Quiet => Count == 0;

    public int Count => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);
}
