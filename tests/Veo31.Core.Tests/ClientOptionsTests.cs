using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Option derivation lives in Core, so every caller (not only Connect-Veo) gets retries that fit their total limit.</summary>
public class ClientOptionsTests
{
    [Fact]
    public void A_derived_total_limit_leaves_room_for_every_attempt_and_backoff_the_retry_count_allows()
    {
        var options = new VeoClientOptions
        {
            MaxRetryCount = 10, AttemptTimeout = TimeSpan.FromSeconds(60), RetryMaxDelay = TimeSpan.FromSeconds(30), MaxRetryAfter = TimeSpan.FromSeconds(5),
        };
        Assert.Equal(TimeSpan.FromSeconds(11 * 60 + 10 * 30), options.EffectiveTotalTimeout);
    }

    [Fact]
    public void A_derived_total_limit_leaves_room_for_the_Retry_After_waits_the_client_honours()
    {
        // Review 13: a 503 with "Retry-After: 60" three times must not have its last retry cut by our own total limit.
        var options = new VeoClientOptions(); // 3 retries, 30 s per attempt, backoff capped at 30 s, Retry-After honoured up to 60 s
        Assert.Equal(TimeSpan.FromSeconds(4 * 30 + 3 * 60), options.EffectiveTotalTimeout);
    }

    [Fact]
    public void Attempts_without_a_limit_make_a_call_without_one()
    {
        var options = new VeoClientOptions { AttemptTimeout = Timeout.InfiniteTimeSpan };
        Assert.Equal(Timeout.InfiniteTimeSpan, options.EffectiveTotalTimeout);
    }

    [Fact]
    public void A_small_retry_count_keeps_the_two_minute_floor_and_an_explicit_limit_wins()
    {
        var options = new VeoClientOptions { MaxRetryCount = 0, AttemptTimeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(TimeSpan.FromSeconds(120), options.EffectiveTotalTimeout);
        options.TotalTimeout = TimeSpan.FromSeconds(7);
        Assert.Equal(TimeSpan.FromSeconds(7), options.EffectiveTotalTimeout);
    }
}
