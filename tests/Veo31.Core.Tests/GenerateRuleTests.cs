using System.Diagnostics;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>POST /generate-video spends credits without an idempotency key: retried only when the server cannot have acted.</summary>
public class GenerateRuleTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(FaultKinds.Error5000, 500, 5000)]
    [InlineData(FaultKinds.Error5000Http200, 200, 5000)]
    [InlineData(FaultKinds.Html502, 502, null)]
    [InlineData(FaultKinds.Empty503, 503, null)]
    public async Task A_server_error_is_outcome_unknown_after_exactly_one_post(string kind, int status, int? code)
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, kind);
        var request = new GenerateVideoRequest { Prompt = "one and only", AspectRatio = "9:16" };

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GenerateVideoAsync(request, CancellationToken.None));

        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.Equal(status, ex.HttpStatus);
        Assert.Equal(code, ex.ApiCode);
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(RequestFingerprint.Of(request), ex.RequestFingerprint);
        Assert.Matches("^[0-9a-f]{16}$", ex.RequestFingerprint);
        Assert.Contains(ex.RequestFingerprint!, ex.Message);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        EmulatorHarness.AssertNoKey(ex);
    }

    [Fact]
    public async Task A_rate_limit_is_retried_after_retry_after()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.RateLimit, count: 1, retryAfter: 1);
        var watch = Stopwatch.StartNew();

        var job = await h.GenerateAsync("rate limited once");

        watch.Stop();
        output.WriteLine($"MEASURE rate-limited generate succeeded after {watch.ElapsedMilliseconds} ms (Retry-After 1 s)");
        Assert.False(string.IsNullOrEmpty(job.Uuid));
        Assert.Equal(2, h.Requests(EmulatorEndpoints.GenerateVideo));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.95, 6);
        var stats = h.Server.GetStats();
        Assert.Equal(1, stats.Generations);
        Assert.Equal(0, stats.DuplicateCharges);
    }

    [Fact]
    public async Task A_connection_dropped_after_the_server_acted_is_outcome_unknown_and_not_charged_twice()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.DropAfter, count: 1);

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("dropped after"));

        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.Null(ex.HttpStatus);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        var stats = h.Server.GetStats();
        Assert.Equal(2, stats.CreditsCharged);
        Assert.Equal(0, stats.DuplicateCharges);
    }

    [Theory]
    [InlineData(FaultKinds.Drop)]
    [InlineData(FaultKinds.MalformedJson)]
    [InlineData(FaultKinds.TruncatedJson)]
    [InlineData(FaultKinds.MissingData)]
    [InlineData(FaultKinds.HugeBody)]
    [InlineData(FaultKinds.Redirect)]
    public async Task Any_other_failure_is_outcome_unknown_and_never_retried(string kind)
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, kind, value: "http://127.0.0.1:1/elsewhere");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("hostile " + kind));
        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        Assert.Equal(0, h.Server.GetStats().DuplicateCharges);
    }

    [Fact]
    public async Task A_timeout_after_sending_is_outcome_unknown()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => o.AttemptTimeout = TimeSpan.FromMilliseconds(300));
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.SlowBody);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("slow"));
        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.IsType<VeoException>(ex.InnerException);
        Assert.Equal(VeoErrorKind.Timeout, ((VeoException)ex.InnerException!).Kind);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_connection_that_never_opened_is_retried_then_reported_as_connection_failed()
    {
        var options = EmulatorHarness.FastOptions(new Uri($"http://127.0.0.1:{EmulatorHarness.ClosedLoopbackPort()}/api"));
        options.MaxRetryCount = 2;
        using var client = new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));

        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            client.GenerateVideoAsync(new GenerateVideoRequest { Prompt = "nobody listens" }, CancellationToken.None));

        Assert.Equal(VeoErrorKind.ConnectionFailed, ex.Kind);
        Assert.Equal(3, ex.Attempts);
        EmulatorHarness.AssertNoKey(ex);
    }

    [Fact]
    public async Task Refusals_keep_their_own_kind()
    {
        await using var h = await EmulatorHarness.StartAsync(clientKey: "sk-not-known-1234");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync());
        Assert.Equal(VeoErrorKind.AuthenticationFailed, ex.Kind);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
    }
}
