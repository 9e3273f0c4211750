using System;
using System.Threading;

namespace Veo31.Core.Resilience
{
    internal static class RetryDelays
    {
        private static int _seed = Environment.TickCount;
        private static readonly ThreadLocal<Random> Random = new ThreadLocal<Random>(() => new Random(Interlocked.Increment(ref _seed)));

        /// <summary>
        /// Exponential backoff with "equal jitter": half the step is fixed, half random, so callers that failed together
        /// spread out but none retries immediately. A Retry-After from the server wins, capped at maxRetryAfter.
        /// </summary>
        public static TimeSpan Next(int retryIndex, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? retryAfter, TimeSpan maxRetryAfter)
        {
            if (retryAfter.HasValue)
                return retryAfter.Value > maxRetryAfter ? maxRetryAfter : retryAfter.Value;
            double step = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retryIndex, 30));
            step = Math.Min(step, maxDelay.TotalMilliseconds);
            double jittered = step / 2 + Random.Value!.NextDouble() * step / 2;
            return TimeSpan.FromMilliseconds(Math.Max(0, jittered));
        }
    }
}
