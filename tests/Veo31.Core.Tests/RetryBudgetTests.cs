using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Resilience;
using Xunit;

namespace Veo31.Core.Tests;

public class RetryBudgetTests
{
    [Fact]
    public void Budget_stops_retries_when_everything_fails()
    {
        var budget = new RetryBudget(depositPerCall: 0.2, capacity: 10, refillPerSecond: 0);
        int retries = 0;
        for (int call = 0; call < 1000; call++)
        {
            budget.RecordCall();
            for (int r = 0; r < 3 && budget.TryWithdrawRetry(); r++) retries++;
        }
        // 1000 calls may add about 20% retries plus the initial floor, never 3000.
        Assert.InRange(retries, 190, 215);
    }

    [Fact]
    public async Task Polly_waits_what_the_server_asks_capped_and_its_own_jittered_backoff_otherwise()
    {
        var options = new VeoClientOptions
        {
            MaxRetryCount = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromMilliseconds(300),
            MaxRetryAfter = TimeSpan.FromMilliseconds(250),
        };
        var pipeline = RetryPipelineFactory.Create(options, new RetryBudget());
        var gaps = new List<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double last = 0;
        int calls = 0;
        await pipeline.ExecuteAsync(_ =>
        {
            double now = clock.Elapsed.TotalMilliseconds;
            if (calls > 0) gaps.Add(now - last);
            last = now;
            switch (calls++)
            {
                case 0: throw new VeoException(VeoErrorKind.RateLimited, "slow down") { IsTransient = true, RetryAfter = TimeSpan.FromHours(1) };
                case 1: throw new VeoException(VeoErrorKind.ServerError, "blip") { IsTransient = true };
                default: return ValueTask.CompletedTask;
            }
        });
        Assert.Equal(3, calls);
        Assert.InRange(gaps[0], 240, 1500);   // Retry-After of an hour, capped at 250 ms
        Assert.InRange(gaps[1], 0, 1300);     // Polly's exponential backoff with jitter, capped at 300 ms
    }
}
