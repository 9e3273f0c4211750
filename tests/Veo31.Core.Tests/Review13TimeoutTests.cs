using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>
/// Review 13: the derived total limit (VeoClientOptions.EffectiveTotalTimeout) is meant to leave room for every retry the
/// options allow, so no caller has its retries cut short. It counts the backoff cap (RetryMaxDelay) between attempts, but
/// the pipeline waits what the server's Retry-After says instead, up to MaxRetryAfter (60 s by default, twice the backoff
/// cap), so a 503/5000 with "Retry-After: 60" three times does not fit: the total limit fires during the last wait, the
/// last retry never happens and the user hears Timeout instead of the server's answer. (Over real HTTP this takes more
/// than the two-minute floor, so the derivation itself is checked here.)
/// </summary>
public class Review13TimeoutTests
{
    [Fact]
    public void A_derived_total_limit_leaves_room_for_the_Retry_After_waits_the_client_honours()
    {
        var options = new VeoClientOptions(); // 3 retries, 30 s per attempt, backoff capped at 30 s, Retry-After honoured up to 60 s
        TimeSpan worstCase = TimeSpan.FromTicks(options.AttemptTimeout.Ticks * (options.MaxRetryCount + 1))
                             + TimeSpan.FromTicks(options.MaxRetryAfter.Ticks * options.MaxRetryCount);
        Assert.True(options.EffectiveTotalTimeout >= worstCase,
            $"total limit {options.EffectiveTotalTimeout.TotalSeconds} s < {worstCase.TotalSeconds} s needed for 4 attempts and 3 Retry-After waits of {options.MaxRetryAfter.TotalSeconds} s");
    }

    [Fact]
    public void An_attempt_limit_without_end_is_not_silently_capped_at_two_minutes_overall()
    {
        // A Core caller that lifts the attempt limit (Timeout.InfiniteTimeSpan is -1 ms): the derivation multiplies the
        // negative span, lands under the floor and returns 120 s, so every call is cut at two minutes after all.
        var options = new VeoClientOptions { AttemptTimeout = Timeout.InfiniteTimeSpan };
        Assert.True(options.EffectiveTotalTimeout == Timeout.InfiniteTimeSpan || options.EffectiveTotalTimeout > TimeSpan.FromHours(1),
            $"derived total limit is {options.EffectiveTotalTimeout.TotalSeconds} s for attempts without a limit");
    }
}
