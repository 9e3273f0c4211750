using Veo31.Core.Resilience;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The session's send-rate rules, each on a fake clock (seconds) and a fixed random draw.</summary>
public class RateRuleTests : IDisposable
{
    private double _now = 100;
    private double _random = 0.5;
    // Sends left waiting on the frozen fake clock poll it with short real delays: end them with the test.
    private readonly CancellationTokenSource _end = new();

    public void Dispose()
    {
        _end.Cancel();
        _end.Dispose();
    }

    private AdaptiveRateLimiter NewLimiter(double maxPauseSeconds = 60) => new(TimeSpan.FromSeconds(maxPauseSeconds), () => _now, () => _random);

    private void Accept(AdaptiveRateLimiter limiter, int count, double spacing)
    {
        for (int i = 0; i < count; i++)
        {
            _now += spacing;
            limiter.OnAccepted(_now);
        }
    }

    private static readonly double K10 = Math.Cbrt(10 * (1 - AdaptiveRateLimiter.Beta) / AdaptiveRateLimiter.ScaleConstant);

    [Fact]
    public void Before_any_throttle_the_rate_is_unlimited()
    {
        var limiter = NewLimiter();
        Assert.False(limiter.IsPacing);
        Assert.Equal(double.PositiveInfinity, limiter.Rate);
        Assert.Equal(0, limiter.Decreases);
    }

    [Fact]
    public void Only_answers_of_the_last_second_count_as_what_the_service_accepts()
    {
        var limiter = NewLimiter();
        limiter.OnAccepted(_now);
        _now += 1.0; // exactly one second old: still counts
        limiter.OnThrottled(_now, null);
        Assert.Equal(1 * AdaptiveRateLimiter.Beta, limiter.Rate, 6);

        var later = NewLimiter();
        later.OnAccepted(_now);
        _now += 1.001;
        later.OnThrottled(_now, null);
        Assert.Equal(AdaptiveRateLimiter.MinRate, later.Rate, 6);
    }

    [Fact]
    public void A_throttle_while_pacing_decreases_from_the_lower_of_the_rate_and_what_was_accepted()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, null);
        Assert.Equal(7, limiter.Rate, 6);

        _now += 2;
        Accept(limiter, 20, 0.01); // 20 accepted in the last second, more than the rate of about 7
        double rateBefore = limiter.Rate;
        limiter.OnThrottled(_now, null);
        Assert.Equal(rateBefore * AdaptiveRateLimiter.Beta, limiter.Rate, 6);

        _now += 2;
        Accept(limiter, 3, 0.01); // 3 accepted, fewer than the rate
        limiter.OnThrottled(_now, null);
        Assert.Equal(3 * AdaptiveRateLimiter.Beta, limiter.Rate, 6);
        Assert.Equal(3, limiter.Decreases);
    }

    [Fact]
    public void A_throttle_for_a_request_sent_after_the_last_decrease_is_a_new_episode()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, null);
        double decreasedAt = _now;
        _now += 0.5;
        limiter.OnThrottled(decreasedAt - 0.001, null); // sent before the decrease: same episode
        Assert.Equal(1, limiter.Decreases);
        limiter.OnThrottled(decreasedAt, null); // sent at the decrease: a new one
        Assert.Equal(2, limiter.Decreases);
    }

    [Fact]
    public void Successes_grow_the_rate_on_the_cubic_curve_that_starts_at_the_decreased_rate()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, null);
        double throttledAt = _now;

        _now = throttledAt + K10 / 2;
        limiter.OnAccepted(_now);
        double expected = AdaptiveRateLimiter.ScaleConstant * Math.Pow(-K10 / 2, 3) + 10;
        Assert.Equal(expected, limiter.Rate, 6);

        _now = throttledAt + K10;
        limiter.OnAccepted(_now);
        Assert.Equal(10, limiter.Rate, 6);
    }

    [Fact]
    public async Task The_rate_grows_past_what_was_last_throttled_only_up_to_twice_what_is_really_sent()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, null);
        double throttledAt = _now;

        // Idle: two seconds past the plateau the curve says 11.6/s, but nothing is being sent.
        _now = throttledAt + K10 + 2;
        limiter.OnAccepted(_now);
        Assert.Equal(10, limiter.Rate, 6);

        // Eight sends within the last second allow up to 16/s, so the curve's value stands.
        for (int i = 0; i < 8; i++)
        {
            _now += 0.11;
            await limiter.AcquireAsync(_end.Token);
        }
        _now = throttledAt + K10 + 3;
        limiter.OnAccepted(_now);
        Assert.Equal(AdaptiveRateLimiter.ScaleConstant * 27 + 10, limiter.Rate, 6);
    }

    [Fact]
    public void The_rate_never_grows_back_below_the_floor()
    {
        var limiter = NewLimiter();
        limiter.OnThrottled(_now, null); // nothing accepted: from the floor
        Assert.Equal(AdaptiveRateLimiter.MinRate, limiter.Rate, 6);
        _now += 0.01;
        limiter.OnAccepted(_now);
        Assert.Equal(AdaptiveRateLimiter.MinRate, limiter.Rate, 6);
    }

    [Fact]
    public async Task Once_pacing_sends_wait_for_a_token_at_the_current_rate()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, null); // 7/s, an empty bucket
        Assert.True(limiter.IsPacing);

        Task<double> first = limiter.AcquireAsync(_end.Token);
        Assert.False(first.IsCompleted, "a send right after a throttle did not wait for a token");
        _now += 1.0 / 7 + 1e-9;
        Assert.Equal(_now, await first.WaitAsync(TimeSpan.FromSeconds(10)));

        // The bucket holds one token at this rate: a long quiet time gives one send, not a burst.
        _now += 10;
        Assert.True(limiter.AcquireAsync(_end.Token).IsCompleted);
        Assert.False(limiter.AcquireAsync(_end.Token).IsCompleted, "a quiet time let a burst through");
    }

    [Fact]
    public void At_a_high_rate_the_bucket_holds_a_twentieth_of_a_second_of_sends()
    {
        var limiter = NewLimiter();
        Accept(limiter, 400, 0.0025); // 400 accepted in the last second: 280/s once throttled
        limiter.OnThrottled(_now, null);
        Assert.Equal(280, limiter.Rate, 6);
        _now += 5;
        int immediate = 0;
        while (limiter.AcquireAsync(_end.Token).IsCompleted) immediate++;
        Assert.Equal(14, immediate); // 280 / 20
    }

    [Fact]
    public async Task Retry_After_pauses_every_sender_until_it_has_passed_with_its_own_jitter()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        double throttledAt = _now;
        limiter.OnThrottled(_now, TimeSpan.FromSeconds(0.2));
        _now = throttledAt + 0.15; // a token is there (7/s x 0.15 s), but the pause is not over
        Task<double> waiting = limiter.AcquireAsync(_end.Token);
        Assert.False(waiting.IsCompleted, "a send went during the Retry-After pause");
        _now = throttledAt + 0.25;
        Assert.Equal(_now, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        // A shorter Retry-After later never shortens a pause already set; a longer one extends it, up to the cap.
        var capped = NewLimiter(maxPauseSeconds: 3);
        double at = _now;
        capped.OnThrottled(_now, TimeSpan.FromSeconds(2));
        capped.OnThrottled(_now, TimeSpan.FromSeconds(1));
        using var pending = new CancellationTokenSource();
        _now = at + 1.5;
        Assert.False(capped.AcquireAsync(pending.Token).IsCompleted);
        capped.OnThrottled(_now, TimeSpan.FromHours(1));
        _now = at + 1.5 + 2.9;
        Assert.False(capped.AcquireAsync(pending.Token).IsCompleted);
        pending.Cancel();
        _now = at + 1.5 + 3.0 + 10;
        Assert.True(capped.AcquireAsync(_end.Token).IsCompleted);
    }

    [Fact]
    public void A_Retry_After_of_zero_pauses_nothing()
    {
        var limiter = NewLimiter();
        limiter.OnThrottled(_now, TimeSpan.Zero);
        _now += 2.0001; // one token at the floor rate of 0.5/s
        Assert.True(limiter.AcquireAsync(_end.Token).IsCompleted);
    }
    [Fact]
    public async Task A_caller_whose_token_is_already_cancelled_gets_no_send_slot()
    {
        var limiter = NewLimiter();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.AcquireAsync(cancelled.Token));
    }

    [Fact]
    public void A_Retry_After_pause_ends_at_the_very_instant_it_names()
    {
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        _now = 100.5;
        limiter.OnThrottled(_now, TimeSpan.FromSeconds(0.25));
        _now = 100.75; // exactly the end of the pause; 7/s x 0.25 s has filled the bucket's one token
        Assert.True(limiter.AcquireAsync(_end.Token).IsCompleted);
    }

    [Fact]
    public async Task Without_a_random_spread_a_paused_sender_waits_the_pause_and_nothing_more()
    {
        _random = 0; // no spread: the sender wakes when the pause has passed
        var limiter = NewLimiter();
        Accept(limiter, 10, 0.05);
        limiter.OnThrottled(_now, TimeSpan.FromMilliseconds(20));
        Task<double> waiting = limiter.AcquireAsync(_end.Token);
        _now += 1; // the pause has passed and the bucket is full when the sender looks again
        // It sleeps the 20 ms pause in real time, not a second more (generous bound: a loaded machine may be slow).
        await waiting.WaitAsync(TimeSpan.FromMilliseconds(900));
    }
}
