using System;
using System.Diagnostics;

namespace Veo31.Core.Resilience
{
    /// <summary>
    /// A token bucket shared by one client: every call deposits a fraction of a token, every retry spends one. When the
    /// service is down, retries stop once the bucket is empty, so total attempts stay near the number of calls instead of
    /// multiplying them by (1 + MaxRetryCount). A slow time refill keeps a floor so a quiet client can still retry.
    /// </summary>
    internal sealed class RetryBudget
    {
        private readonly object _gate = new object();
        private readonly double _depositPerCall;
        private readonly double _capacity;
        private readonly double _refillPerSecond;
        private readonly Func<double> _now;
        private double _tokens;
        private double _lastRefill;

        /// <param name="clock">For tests: the time in seconds; a stopwatch otherwise.</param>
        public RetryBudget(double depositPerCall = 0.2, double capacity = 20, double refillPerSecond = 2, Func<double>? clock = null)
        {
            _depositPerCall = depositPerCall;
            _capacity = capacity;
            _refillPerSecond = refillPerSecond;
            _tokens = capacity;
            var stopwatch = Stopwatch.StartNew();
            _now = clock ?? (() => stopwatch.Elapsed.TotalSeconds);
            _lastRefill = _now();
        }

        public double Available
        {
            get { lock (_gate) { Refill(); return _tokens; } }
        }

        public void RecordCall()
        {
            lock (_gate)
            {
                // Stryker disable once Statement : refilling before or after the deposit gives the same tokens (min(c, min(c, t + r) + d) = min(c, t + r + d)), and the time is measured from the last refill either way
                Refill();
                _tokens = Math.Min(_capacity, _tokens + _depositPerCall);
            }
        }

        public bool TryWithdrawRetry()
        {
            lock (_gate)
            {
                Refill();
                if (_tokens < 1) return false;
                _tokens -= 1;
                return true;
            }
        }

        private void Refill()
        {
            double now = _now();
            _tokens = Math.Min(_capacity, _tokens + (now - _lastRefill) * _refillPerSecond);
            _lastRefill = now;
        }
    }
}
