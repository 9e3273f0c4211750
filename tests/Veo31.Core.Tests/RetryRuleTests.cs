using System.Net.Sockets;
using Polly;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Resilience;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>What may be retried, how often, and what a retry costs: the pipeline's rules and the shared retry budget.</summary>
public class RetryRuleTests
{
    private static VeoClientOptions Options(int maxRetries = 2, int maxRateLimited = 3) => new()
    {
        MaxRetryCount = maxRetries,
        MaxRateLimitedRetries = maxRateLimited,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryAfter = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>Runs one logical call that fails with what fail(n) returns (null: succeeds); returns the attempts made.</summary>
    private static async Task<(int Attempts, Exception? Error)> Run(ResiliencePipeline pipeline, Func<int, VeoException?> fail,
        ResilienceContext? context = null)
    {
        int attempts = 0;
        context ??= RetryPipelineFactory.NewCallContext(CancellationToken.None);
        try
        {
            await pipeline.ExecuteAsync(_ =>
            {
                VeoException? error = fail(++attempts);
                return error == null ? ValueTask.CompletedTask : ValueTask.FromException(error);
            }, context);
            return (attempts, null);
        }
        catch (Exception ex)
        {
            return (attempts, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static VeoException Transient(VeoErrorKind kind = VeoErrorKind.ServerError) => new(kind, "blip") { IsTransient = true };

    private static RetryBudget NoRefill(double capacity = 20) => new(depositPerCall: 0, capacity: capacity, refillPerSecond: 0);

    [Fact]
    public async Task A_failure_that_is_not_transient_is_never_retried()
    {
        var pipeline = RetryPipelineFactory.Create(Options(), NoRefill());
        var (attempts, error) = await Run(pipeline, _ => new VeoException(VeoErrorKind.InvalidParameters, "no"));
        Assert.Equal(1, attempts);
        Assert.Equal(VeoErrorKind.InvalidParameters, Assert.IsType<VeoException>(error).Kind);
        Assert.Equal(1, (await Run(pipeline, _ => throw new InvalidOperationException("not ours"))).Attempts);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    [InlineData(-2, 1)]
    public async Task A_transient_failure_is_retried_MaxRetryCount_times(int maxRetries, int attempts)
    {
        var budget = NoRefill();
        var (made, error) = await Run(RetryPipelineFactory.Create(Options(maxRetries), budget), _ => Transient());
        Assert.Equal(attempts, made);
        Assert.IsType<VeoException>(error);
        // The budget pays for each retry that followed, and for nothing else.
        Assert.Equal(20 - (attempts - 1), budget.Available, 6);
    }

    [Fact]
    public async Task A_call_that_recovers_stops_retrying()
    {
        var (attempts, error) = await Run(RetryPipelineFactory.Create(Options(5), NoRefill()), n => n < 3 ? Transient() : null);
        Assert.Equal((3, (Exception?)null), (attempts, error));
    }

    [Fact]
    public async Task An_empty_retry_budget_stops_retries_and_is_not_overdrawn()
    {
        var budget = NoRefill(capacity: 1.5);
        var pipeline = RetryPipelineFactory.Create(Options(5), budget);
        Assert.Equal(2, (await Run(pipeline, _ => Transient())).Attempts);
        Assert.Equal(0.5, budget.Available, 6);
        Assert.Equal(1, (await Run(pipeline, _ => Transient())).Attempts);
        Assert.Equal(0.5, budget.Available, 6);
    }

    [Fact]
    public async Task Rate_limited_answers_are_retried_apart_without_spending_the_retry_count_or_budget()
    {
        var budget = NoRefill();
        var pipeline = RetryPipelineFactory.Create(Options(maxRetries: 2, maxRateLimited: 3), budget);
        var (attempts, error) = await Run(pipeline, _ => Transient(VeoErrorKind.RateLimited));
        Assert.Equal(4, attempts);
        Assert.Equal(VeoErrorKind.RateLimited, Assert.IsType<VeoException>(error).Kind);
        Assert.Equal(20, budget.Available, 6);

        // Both kinds in one call: each has its own count.
        var mixed = RetryPipelineFactory.Create(Options(maxRetries: 1, maxRateLimited: 2), budget);
        var (both, _) = await Run(mixed, n => n % 2 == 1 ? Transient(VeoErrorKind.RateLimited) : Transient());
        Assert.Equal(4, both); // RL, fail, RL, fail: the second ordinary failure is past MaxRetryCount 1
        Assert.Equal(19, budget.Available, 6);
    }

    [Fact]
    public async Task No_rate_limited_retries_means_a_rate_limited_answer_is_final()
    {
        var (attempts, _) = await Run(RetryPipelineFactory.Create(Options(maxRetries: 3, maxRateLimited: 0), NoRefill()), _ => Transient(VeoErrorKind.RateLimited));
        Assert.Equal(1, attempts);
        var (negative, _) = await Run(RetryPipelineFactory.Create(Options(maxRetries: 3, maxRateLimited: -4), NoRefill()), _ => Transient(VeoErrorKind.RateLimited));
        Assert.Equal(1, negative);
    }

    [Fact]
    public async Task Each_logical_call_has_its_own_retry_count_and_a_bare_context_still_counts()
    {
        var pipeline = RetryPipelineFactory.Create(Options(maxRetries: 2), NoRefill());
        Assert.Equal(3, (await Run(pipeline, _ => Transient())).Attempts);
        Assert.Equal(3, (await Run(pipeline, _ => Transient())).Attempts);
        ResilienceContext bare = ResilienceContextPool.Shared.Get(CancellationToken.None);
        Assert.Equal(3, (await Run(pipeline, _ => Transient(), bare)).Attempts);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_MaxRetryAfter_waits_only_MaxRetryAfter()
    {
        var options = Options(maxRetries: 1);
        options.RetryBaseDelay = TimeSpan.FromSeconds(30);
        options.RetryMaxDelay = TimeSpan.FromSeconds(30);
        options.MaxRetryAfter = TimeSpan.FromMilliseconds(50);
        var pipeline = RetryPipelineFactory.Create(options, NoRefill());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (attempts, _) = await Run(pipeline, n => n == 1 ? new VeoException(VeoErrorKind.ServerError, "later") { IsTransient = true, RetryAfter = TimeSpan.FromHours(1) } : null);
        Assert.Equal(2, attempts);
        // Neither the hour asked nor the 30 s backoff: the server's wait, capped.
        Assert.InRange(watch.ElapsedMilliseconds, 40, 10_000);
    }

    [Fact]
    public async Task A_short_Retry_After_is_waited_as_asked_instead_of_the_backoff()
    {
        var options = Options(maxRetries: 1);
        options.RetryBaseDelay = TimeSpan.FromSeconds(30);
        options.RetryMaxDelay = TimeSpan.FromSeconds(30);
        options.MaxRetryAfter = TimeSpan.FromSeconds(30);
        var pipeline = RetryPipelineFactory.Create(options, NoRefill());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (attempts, _) = await Run(pipeline, n => n == 1 ? new VeoException(VeoErrorKind.ServerError, "soon") { IsTransient = true, RetryAfter = TimeSpan.FromMilliseconds(60) } : null);
        Assert.Equal(2, attempts);
        Assert.InRange(watch.ElapsedMilliseconds, 50, 10_000);
    }

    [Fact]
    public async Task A_negative_base_delay_means_retrying_at_once_and_a_max_delay_below_it_is_raised_to_it()
    {
        var options = Options(maxRetries: 2);
        options.RetryBaseDelay = TimeSpan.FromSeconds(-5);
        options.RetryMaxDelay = TimeSpan.FromSeconds(-10);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(3, (await Run(RetryPipelineFactory.Create(options, NoRefill()), _ => Transient())).Attempts);
        Assert.InRange(watch.ElapsedMilliseconds, 0, 10_000);

        options.MaxRetryCount = 3;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(1);
        watch.Restart();
        Assert.Equal(4, (await Run(RetryPipelineFactory.Create(options, NoRefill()), n => n < 4 ? Transient() : null)).Attempts);
        // Three of Polly's jittered backoffs from a 200 ms base add up to far more than three 1 ms caps.
        Assert.InRange(watch.ElapsedMilliseconds, 100, 15_000);
    }

    // ---- The budget itself.

    [Fact]
    public void A_new_budget_holds_its_capacity_and_a_retry_spends_one_whole_token()
    {
        var budget = NoRefill(capacity: 3);
        Assert.Equal(3, budget.Available, 6);
        Assert.True(budget.TryWithdrawRetry());
        Assert.True(budget.TryWithdrawRetry());
        Assert.True(budget.TryWithdrawRetry());
        Assert.False(budget.TryWithdrawRetry());
        Assert.Equal(0, budget.Available, 6);
    }

    [Fact]
    public void Calls_deposit_a_fraction_of_a_token_up_to_the_capacity()
    {
        var budget = new RetryBudget(depositPerCall: 0.25, capacity: 2, refillPerSecond: 0);
        budget.RecordCall();
        Assert.Equal(2, budget.Available, 6);
        Assert.True(budget.TryWithdrawRetry());
        Assert.True(budget.TryWithdrawRetry());
        for (int i = 0; i < 3; i++) budget.RecordCall();
        Assert.Equal(0.75, budget.Available, 6);
        Assert.False(budget.TryWithdrawRetry());
        budget.RecordCall();
        Assert.True(budget.TryWithdrawRetry());
    }

    [Fact]
    public void A_quiet_budget_refills_with_time_but_never_past_its_capacity()
    {
        double now = 100;
        var budget = new RetryBudget(depositPerCall: 0, capacity: 2, refillPerSecond: 50, clock: () => now);
        Assert.True(budget.TryWithdrawRetry());
        Assert.True(budget.TryWithdrawRetry());
        now += 10; // worth 500 tokens
        Assert.Equal(2, budget.Available, 9);
        Assert.True(budget.TryWithdrawRetry());
    }

    [Fact]
    public void A_drained_budget_refills_at_its_rate_not_at_once()
    {
        double now = 100;
        var budget = new RetryBudget(depositPerCall: 0, capacity: 10, refillPerSecond: 4, clock: () => now);
        for (int i = 0; i < 10; i++) Assert.True(budget.TryWithdrawRetry());
        now += 0.0625; // times and rates that binary fractions hold exactly
        Assert.Equal(0.25, budget.Available, 9);
        Assert.False(budget.TryWithdrawRetry());
        now += 0.125; // three quarters of a token: still no retry
        Assert.Equal(0.75, budget.Available, 9);
        Assert.False(budget.TryWithdrawRetry());
        now += 0.0625;
        Assert.True(budget.TryWithdrawRetry());
        Assert.Equal(0, budget.Available, 9);
    }

    [Fact]
    public void A_retry_asked_for_after_a_quiet_spell_may_spend_what_the_spell_refilled()
    {
        double now = 100;
        var budget = new RetryBudget(depositPerCall: 0, capacity: 1, refillPerSecond: 20, clock: () => now);
        Assert.True(budget.TryWithdrawRetry());
        now += 0.0625;
        Assert.True(budget.TryWithdrawRetry()); // asked first, before anything else looked at the budget
        Assert.False(budget.TryWithdrawRetry());
    }
}

/// <summary>
/// A paid request is retried only when the server cannot have seen it: the connection never opened. Every other failure
/// (a reset, a TLS failure, an answer cut short, anything unknown) may have reached the server, so it is not retried.
/// </summary>
public class NeverSentRuleTests
{
    public static TheoryData<string, Exception, bool> Failures() => new()
    {
        { "refused", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "unreachable host", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.HostUnreachable)), true },
        { "unreachable network", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.NetworkUnreachable)), true },
        { "address not available", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.AddressNotAvailable)), true },
        { "name not found", new HttpRequestException(HttpRequestError.NameResolutionError, "x", new SocketException((int)SocketError.HostNotFound)), true },
        { "name not resolved, no socket error", new HttpRequestException(HttpRequestError.NameResolutionError, "x"), true },
        // "name not found" above is true for NameResolutionError whatever the socket error, so without these two
        // rows dropping HostNotFound from the socket errors that mean "never opened" fails no case.
        { "name not found, as a connection error", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.HostNotFound)), true },
        { "name not found, a socket error alone", new SocketException((int)SocketError.HostNotFound), true },
        { "name lookup to retry", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.TryAgain)), true },
        { "name without data", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.NoData)), true },
        { "refused, deeper inside", new HttpRequestException(HttpRequestError.ConnectionError, "x", new IOException("y", new SocketException((int)SocketError.ConnectionRefused))), true },
        { "connection error without a socket error", new HttpRequestException(HttpRequestError.ConnectionError, "x"), false },
        { "reset after connecting", new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.ConnectionReset)), false },
        { "TLS failed", new HttpRequestException(HttpRequestError.SecureConnectionError, "x", new SocketException((int)SocketError.ConnectionRefused)), false },
        { "answer cut short", new HttpRequestException(HttpRequestError.ResponseEnded, "x", new SocketException((int)SocketError.ConnectionRefused)), false },
        { "unknown, refused", new HttpRequestException(HttpRequestError.Unknown, "x", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "unknown, reset", new HttpRequestException(HttpRequestError.Unknown, "x", new SocketException((int)SocketError.ConnectionReset)), false },
        { "a socket error alone", new SocketException((int)SocketError.ConnectionRefused), true },
        { "an I/O error", new IOException("broken pipe"), false },
        { "a timeout", new TaskCanceledException("timeout"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_request_counts_as_never_sent_only_when_its_connection_never_opened(string what, Exception failure, bool neverSent)
        => Assert.True(neverSent == ConnectFailureDetector.ConnectionNeverOpened(failure), what);
}
