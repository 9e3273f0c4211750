using Veo31.Core.Resilience;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The session's rate control, on a fake clock: how it slows down and speeds up.</summary>
public class RateControlTests
{
    private double _now;
    private AdaptiveRateLimiter NewLimiter() => new(TimeSpan.FromSeconds(60), () => _now, () => 0.5);

    [Fact]
    public async Task Nothing_is_paced_until_the_service_first_throttles()
    {
        var limiter = NewLimiter();
        for (int i = 0; i < 1000; i++)
        {
            var slot = limiter.AcquireAsync(CancellationToken.None);
            Assert.True(slot.IsCompleted, "a send before any throttle waited");
            limiter.OnAccepted(await slot);
        }
        Assert.False(limiter.IsPacing);
    }

    [Fact]
    public void A_throttle_lowers_the_rate_to_a_share_of_what_the_service_accepted_in_the_last_second()
    {
        var limiter = NewLimiter();
        for (int i = 0; i < 10; i++) { _now += 0.05; limiter.OnAccepted(_now); }
        limiter.OnThrottled(_now, null);
        Assert.True(limiter.IsPacing);
        Assert.Equal(10 * AdaptiveRateLimiter.Beta, limiter.Rate, 3);
    }

    [Fact]
    public void Answers_to_requests_sent_before_a_decrease_are_one_episode_and_lower_the_rate_once()
    {
        var limiter = NewLimiter();
        for (int i = 0; i < 10; i++) { _now += 0.05; limiter.OnAccepted(_now); }
        double sentTogether = _now;
        _now += 0.01;
        for (int i = 0; i < 8; i++) limiter.OnThrottled(sentTogether, null);
        Assert.Equal(1, limiter.Decreases);
        Assert.Equal(7, limiter.Rate, 3);
    }

    [Fact]
    public void The_rate_never_falls_below_the_floor()
    {
        var limiter = NewLimiter();
        for (int i = 0; i < 20; i++) { _now += 2; limiter.OnThrottled(_now, null); }
        Assert.Equal(AdaptiveRateLimiter.MinRate, limiter.Rate, 3);
    }

    [Fact]
    public void Successes_raise_the_rate_back_along_the_cubic_curve_and_past_the_old_maximum_only_slowly()
    {
        var limiter = NewLimiter();
        for (int i = 0; i < 10; i++) { _now += 0.1; limiter.OnAccepted(_now); }
        limiter.OnThrottled(_now, null);
        double afterThrottle = limiter.Rate;
        var rates = new List<double>();
        for (int step = 0; step < 40; step++)
        {
            _now += 0.1;
            // keep the sender busy so the "twice what is sent" ceiling does not hold the rate down
            for (int k = 0; k < 3; k++) limiter.AcquireAsync(CancellationToken.None);
            limiter.OnAccepted(_now);
            rates.Add(limiter.Rate);
        }
        Assert.True(rates[^1] > afterThrottle, "the rate did not grow back");
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.True(pair.Second >= pair.First - 1e-9, "the rate fell without a throttle"));
        // Near the old maximum (10/s) the curve is flat: one second after reaching it, at most 10% above it.
        Assert.InRange(rates[25], 9, 11);
    }

    [Fact]
    public async Task Retry_After_pauses_every_caller_then_sends_are_paced()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var limiter = new AdaptiveRateLimiter(TimeSpan.FromSeconds(60));
        for (int i = 0; i < 5; i++) limiter.OnAccepted(await limiter.AcquireAsync(CancellationToken.None));
        limiter.OnThrottled(clock.Elapsed.TotalSeconds, TimeSpan.FromMilliseconds(400));
        var start = clock.Elapsed;
        var sends = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => limiter.AcquireAsync(CancellationToken.None)));
        var waited = clock.Elapsed - start;
        // Paused for the Retry-After, then paced at (5/s accepted x 0.7) = 3.5/s: four sends need at least ~0.85 s more.
        Assert.True(waited >= TimeSpan.FromMilliseconds(1100), $"waited only {waited.TotalMilliseconds} ms");
        Assert.Equal(4, sends.Distinct().Count());
    }

    [Fact]
    public async Task A_caller_waiting_for_a_slot_is_cancelled_at_once()
    {
        var limiter = new AdaptiveRateLimiter(TimeSpan.FromSeconds(60));
        limiter.OnThrottled(0, TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.AcquireAsync(cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Retry_After_is_capped()
    {
        var limiter = new AdaptiveRateLimiter(TimeSpan.FromMilliseconds(200));
        limiter.OnThrottled(0, TimeSpan.FromHours(1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await limiter.AcquireAsync(CancellationToken.None);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"waited {watch.Elapsed}");
    }
}
