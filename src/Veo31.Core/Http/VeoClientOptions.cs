using System;
using System.Net;

namespace Veo31.Core.Http
{
    public sealed class VeoClientOptions
    {
        public static readonly Uri DefaultBaseUri = new Uri("https://veo3o1.com/api");

        public Uri BaseUri { get; set; } = DefaultBaseUri;
        /// <summary>Retries after the first attempt for calls that may be retried.</summary>
        public int MaxRetryCount { get; set; } = 3;
        /// <summary>Retries after a rate-limit answer (1003 / HTTP 429). They spend no retry budget: each waits for the
        /// session's rate control, which has slowed down, so the service is not asked faster than it accepts.</summary>
        public int MaxRateLimitedRetries { get; set; } = 10;
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>A Retry-After header longer than this is capped.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Limit on one HTTP attempt (JSON calls; uploads and downloads time out on stalls, not on total length).</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Limit on one call including every retry; null (the default) derives it, see <see cref="EffectiveTotalTimeout"/>.</summary>
        public TimeSpan? TotalTimeout { get; set; }

        /// <summary>
        /// <see cref="TotalTimeout"/> when set; otherwise long enough for every attempt the retry count allows plus the longest
        /// wait between them (Polly's backoff cap, or a server's Retry-After up to <see cref="MaxRetryAfter"/>), and never under
        /// two minutes, so raising -MaxRetryCount or -TimeoutSec never has its retries silently cut short by a total limit
        /// chosen for other values. Attempts without a limit make a call without one.
        /// </summary>
        public TimeSpan EffectiveTotalTimeout
        {
            get
            {
                if (TotalTimeout.HasValue) return TotalTimeout.Value;
                if (AttemptTimeout == System.Threading.Timeout.InfiniteTimeSpan) return System.Threading.Timeout.InfiniteTimeSpan;
                int retries = Math.Max(0, MaxRetryCount);
                TimeSpan longestWait = MaxRetryAfter > RetryMaxDelay ? MaxRetryAfter : RetryMaxDelay;
                TimeSpan needed = TimeSpan.FromTicks(AttemptTimeout.Ticks * (retries + 1)) + TimeSpan.FromTicks(longestWait.Ticks * retries);
                return needed > MinimumTotalTimeout ? needed : MinimumTotalTimeout;
            }
        }

        private static readonly TimeSpan MinimumTotalTimeout = TimeSpan.FromSeconds(120);
        /// <summary>Explicit proxy; null uses the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) or the system default.</summary>
        public IWebProxy? Proxy { get; set; }
        /// <summary>Largest JSON answer read; a larger one is an InvalidResponse, never read into memory.</summary>
        public long MaxResponseBytes { get; set; } = 1024 * 1024;
        public int MaxConnectionsPerServer { get; set; } = 64;
        public int MaxPromptLength { get; set; } = 2000;
        public long MaxImageBytes { get; set; } = 50L * 1024 * 1024;
        /// <summary>Largest video saved; a body that never ends is cut here instead of filling the disk.</summary>
        public long MaxVideoBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    }
}
