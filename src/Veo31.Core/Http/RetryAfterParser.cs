using System;
using System.Net.Http;

namespace Veo31.Core.Http
{
    internal static class RetryAfterParser
    {
        /// <summary>Retry-After as delta seconds or an HTTP date; null when absent or unreadable.</summary>
        public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now)
        {
            var header = response.Headers.RetryAfter;
            if (header == null) return null;
            // Stryker disable once Equality,Conditional : a parsed delta is never negative (the header parser takes digits only); a zero one is zero either way
            if (header.Delta.HasValue) return header.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : header.Delta.Value;
            if (header.Date.HasValue)
            {
                TimeSpan wait = header.Date.Value - now;
                // Stryker disable once Equality : a wait of exactly zero is zero either way
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }
    }
}
