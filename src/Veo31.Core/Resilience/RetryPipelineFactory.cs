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
    /// (VeoException.IsTransient); a generation marks as transient only failures the server cannot have acted on.
    /// </summary>
    internal static class RetryPipelineFactory
    {
        public static ResiliencePipeline Create(VeoClientOptions options, RetryBudget budget)
        {
            int maxRetries = Math.Max(0, options.MaxRetryCount);
            if (maxRetries == 0) return ResiliencePipeline.Empty;

            TimeSpan baseDelay = options.RetryBaseDelay < TimeSpan.Zero ? TimeSpan.Zero : options.RetryBaseDelay;
            TimeSpan maxDelay = options.RetryMaxDelay < baseDelay ? baseDelay : options.RetryMaxDelay;
            return new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = maxRetries,
                    BackoffType = DelayBackoffType.Constant,
                    Delay = TimeSpan.Zero,
                    UseJitter = false,
                    // Polly asks even after the last attempt; only spend budget when a retry will really follow.
                    ShouldHandle = args => new ValueTask<bool>(
                        args.AttemptNumber < maxRetries
                        && args.Outcome.Exception is VeoException veo
                        && veo.IsTransient
                        && budget.TryWithdrawRetry()),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(RetryDelays.Next(args.AttemptNumber, baseDelay, maxDelay,
                        (args.Outcome.Exception as VeoException)?.RetryAfter, options.MaxRetryAfter)),
                })
                .Build();
        }
    }
}
