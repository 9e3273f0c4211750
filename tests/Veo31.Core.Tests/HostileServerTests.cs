using System.Diagnostics;
using Veo31.Core.Errors;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

public class HostileServerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(FaultKinds.MalformedJson)]
    [InlineData(FaultKinds.TruncatedJson)]
    [InlineData(FaultKinds.MissingData)]
    public async Task Unreadable_success_answers_are_invalid_responses_and_not_retried(string kind)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, kind);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(job.Uuid, ex.Uuid);
    }

    [Fact]
    public async Task Wrong_but_readable_types_are_tolerated()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.WrongTypes);
        // The canned answer is for uuid 123 (as a number): ask for that one, since an answer for another uuid is refused.
        var seen = await h.Client.GetVideoStatusAsync("123", CancellationToken.None);
        Assert.Equal("123", seen.Uuid);
        Assert.Equal(85, seen.Progress);
    }

    [Fact]
    public async Task A_huge_body_is_refused_without_reading_it()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.HugeBody);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        watch.Stop();
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("MaxResponseBytes", ex.Message);
        output.WriteLine($"MEASURE hugeBody refused in {watch.ElapsedMilliseconds} ms, {(GC.GetTotalAllocatedBytes(true) - before) / 1024} KiB allocated");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
        // The 64 MB answer must not be buffered (the allocation count covers the emulator too, which streams it).
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 40_000_000);
    }

    [Fact]
    public async Task A_slow_body_times_out_per_attempt_and_is_retried()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => { o.AttemptTimeout = TimeSpan.FromMilliseconds(300); o.MaxRetryCount = 1; });
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.SlowBody);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.Timeout, ex.Kind);
        Assert.Equal(2, ex.Attempts);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.55, 6);
    }

    [Fact]
    public async Task The_total_timeout_bounds_a_call_with_all_its_retries()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(400);
            o.TotalTimeout = TimeSpan.FromMilliseconds(700);
            o.MaxRetryCount = 10;
        });
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.SlowBody);
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.Timeout, ex.Kind);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.6, 4); // 11 attempts of 0.4 s would take 4.4 s or more
    }

    [Fact]
    public async Task Cancellation_aborts_in_flight_io_promptly()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => o.AttemptTimeout = TimeSpan.FromSeconds(30));
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.SlowBody);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Client.GetVideoStatusAsync(job.Uuid, cts.Token));
        output.WriteLine($"MEASURE cancel in flight: returned {watch.ElapsedMilliseconds - 200} ms after cancel");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}"); // the attempt timeout is 30 s
    }

    [Fact]
    public async Task Cancellation_during_a_retry_wait_is_prompt()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => { o.MaxRetryAfter = TimeSpan.FromSeconds(30); });
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.RateLimit, retryAfter: 20);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Client.GetVideoStatusAsync(job.Uuid, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}"); // the wait would be 20 s
    }

    [Fact]
    public async Task A_redirect_from_the_api_is_not_followed()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Redirect, value: h.Server.CdnBaseUri + "steal");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.ServerError, ex.Kind);
        Assert.Equal(302, ex.HttpStatus);
        Assert.Equal(1, ex.Attempts);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
    }

    [Fact]
    public async Task Status_polls_survive_thirty_percent_faults()
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.Seed = 42, o => o.MaxRetryCount = 5);
        var job = await h.GenerateAsync("[seconds=60] long job");
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Error5000, rate: 0.1);
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Drop, rate: 0.1);
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Html502, rate: 0.1);
        const int polls = 40;
        for (int i = 0; i < polls; i++)
        {
            var seen = await h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None);
            Assert.Equal(job.Uuid, seen.Uuid);
            await Task.Delay(20);
        }
        long attempts = h.Requests(EmulatorEndpoints.VideoStatus);
        output.WriteLine($"MEASURE 30% faults: {polls} polls all succeeded with {attempts} attempts");
        Assert.True(attempts > polls, "faults should have forced some retries");
        Assert.True(attempts < polls * 2, $"{attempts} attempts for {polls} polls");
    }

    [Fact]
    public async Task When_the_service_is_down_the_retry_budget_keeps_attempts_near_the_call_count()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => { o.RetryBaseDelay = TimeSpan.FromMilliseconds(1); o.RetryMaxDelay = TimeSpan.FromMilliseconds(2); });
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Error5000);
        const int calls = 200;
        for (int i = 0; i < calls; i++)
            await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        long attempts = h.Requests(EmulatorEndpoints.VideoStatus);
        output.WriteLine($"MEASURE service down: {calls} calls made {attempts} attempts");
        // Unbudgeted this would be 800 (1 + 3 retries each); the budget allows ~20% plus a floor.
        Assert.InRange(attempts, calls + 10, calls * 1.5);
    }
}
