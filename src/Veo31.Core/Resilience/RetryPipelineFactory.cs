using System;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using Veo31.Core.Errors;
using Veo31.Core.Http;

namespace Veo31.Core.Resilience
{
    /// <summary>
    /// The Polly pipeline every retried call runs through. What may be retried is decided where a failure is classified
    /// (VeoException.IsTransient; a generation marks as transient only failures the server cannot have acted on). The
    /// delays are Polly's own exponential backoff with jitter; a Retry-After from the server replaces it (capped).
    /// A rate-limit answer is the service asking for "slower", not a failure: it is retried without spending the
    /// session's retry budget or the call's MaxRetryCount, up to MaxRateLimitedRetries and the total timeout.
    /// </summary>
    internal static class RetryPipelineFactory
    {
        private static readonly ResiliencePropertyKey<CallRetries> RetriesKey = new ResiliencePropertyKey<CallRetries>("veo31.retries");

        public static ResiliencePipeline Create(VeoClientOptions options, RetryBudget budget)
        {
            int maxRetries = Math.Max(0, options.MaxRetryCount);
            int maxRateLimited = Math.Max(0, options.MaxRateLimitedRetries);
            TimeSpan baseDelay = options.RetryBaseDelay < TimeSpan.Zero ? TimeSpan.Zero : options.RetryBaseDelay;
            TimeSpan maxDelay = options.RetryMaxDelay < baseDelay ? baseDelay : options.RetryMaxDelay;
            return new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, maxRetries + maxRateLimited),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = baseDelay,
                    MaxDelay = maxDelay,
                    ShouldHandle = args => new ValueTask<bool>(
                        args.Outcome.Exception is VeoException veo && veo.IsTransient
                        && RetriesOf(args.Context).Allow(veo.Kind, maxRetries, maxRateLimited, budget)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(ServerDelay(args.Outcome.Exception as VeoException, options.MaxRetryAfter)),
                })
                .Build();
        }

        /// <summary>A fresh context for one logical call (its retry counts live in it).</summary>
        public static ResilienceContext NewCallContext(System.Threading.CancellationToken cancellationToken)
        {
            ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(RetriesKey, new CallRetries());
            return context;
        }

        // One count per logical call, kept in its context (a context without one gets one, so counts never reset).
        private static CallRetries RetriesOf(ResilienceContext context)
        {
            if (context.Properties.TryGetValue(RetriesKey, out CallRetries? retries)) return retries;
            retries = new CallRetries();
            context.Properties.Set(RetriesKey, retries);
            return retries;
        }

        // Null lets Polly's backoff decide.
        private static TimeSpan? ServerDelay(VeoException? failure, TimeSpan maxRetryAfter)
        {
            TimeSpan? retryAfter = failure?.RetryAfter;
            if (!retryAfter.HasValue) return null;
            return retryAfter.Value > maxRetryAfter ? maxRetryAfter : retryAfter.Value;
        }

        private sealed class CallRetries
        {
            private int _failures;
            private int _rateLimited;

            public bool Allow(VeoErrorKind kind, int maxRetries, int maxRateLimited, RetryBudget budget)
            {
                if (kind == VeoErrorKind.RateLimited) return ++_rateLimited <= maxRateLimited;
                // The budget is spent only when a retry will really follow.
                if (_failures >= maxRetries || !budget.TryWithdrawRetry()) return false;
                _failures++;
                return true;
            }
        }
    }
}
