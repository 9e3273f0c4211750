using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Option derivation lives in Core, so every caller (not only Connect-Veo) gets retries that fit their total limit.</summary>
public class ClientOptionsTests
{
    [Fact]
    public void A_derived_total_limit_leaves_room_for_every_attempt_and_backoff_the_retry_count_allows()
    {
        var options = new VeoClientOptions { MaxRetryCount = 10, AttemptTimeout = TimeSpan.FromSeconds(60), RetryMaxDelay = TimeSpan.FromSeconds(30) };
        Assert.Equal(TimeSpan.FromSeconds(11 * 60 + 10 * 30), options.EffectiveTotalTimeout);
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
