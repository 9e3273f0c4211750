using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.Core.Resilience
{
    /// <summary>
    /// Session-wide send-rate control, after the AWS SDKs' adaptive retry mode (botocore retries/adaptive.py): every
    /// request of a session waits here for a send slot. Until the service first says "slow down" nothing is paced. A
    /// throttle (1003 / HTTP 429) lowers the rate multiplicatively from what the service was accepting in the last second
    /// (once per throttle episode, not once per throttled answer), pauses every caller for Retry-After (each with its own
    /// jitter), and successes raise the rate again along a cubic curve that is flat near the rate that was last throttled.
    /// Several processes sharing a key each back off from their own accepted share, so they converge to a fair share
    /// without talking to each other.
    /// </summary>
    internal sealed class AdaptiveRateLimiter
    {
        internal const double Beta = 0.7;           // multiplicative decrease
        internal const double ScaleConstant = 0.2;  // cubic growth (requests/s per s^3); botocore uses 0.4, half probes the limit half as often
        internal const double MinRate = 0.5;        // requests per second
        private const double MeasureWindowSeconds = 1.0;

        private readonly object _gate = new object();
        private readonly Func<double> _now;
        private readonly Func<double> _random;
        private readonly TimeSpan _maxPause;
        private readonly Queue<double> _accepted = new Queue<double>();
        private readonly Queue<double> _sent = new Queue<double>();

        private bool _enabled;
        private double _rate;
        private double _tokens;
        private double _lastRefill;
        private double _lastMaxRate;
        private double _lastThrottle;
        private double _lastDecrease = double.NegativeInfinity;
        private double _pausedUntil = double.NegativeInfinity;

        public AdaptiveRateLimiter(TimeSpan maxPause)
            : this(maxPause, null, null)
        {
        }

        /// <summary>For tests: a clock in seconds and a random source in [0, 1).</summary>
        internal AdaptiveRateLimiter(TimeSpan maxPause, Func<double>? clock, Func<double>? random)
        {
            _maxPause = maxPause;
            var stopwatch = Stopwatch.StartNew();
            _now = clock ?? (() => stopwatch.Elapsed.TotalSeconds);
            var rng = new Random();
            _random = random ?? (() => { lock (rng) return rng.NextDouble(); });
        }

        /// <summary>Whether a throttle has been seen, so sends are paced.</summary>
        public bool IsPacing { get { lock (_gate) return _enabled; } }

        /// <summary>The current send rate in requests per second (infinity before the first throttle).</summary>
        public double Rate { get { lock (_gate) return _enabled ? _rate : double.PositiveInfinity; } }

        /// <summary>Throttles that lowered the rate (one per episode).</summary>
        public int Decreases { get; private set; }

        /// <summary>Waits for a send slot; returns the send time to hand back with the answer.</summary>
        public async Task<double> AcquireAsync(CancellationToken cancellationToken)
        {
            double jitter = -1;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double wait;
                lock (_gate)
                {
                    double now = _now();
                    wait = _pausedUntil - now;
                    if (wait > 0)
                    {
                        // Everyone paused by one Retry-After would wake at the same instant; each waiter spreads itself.
                        if (jitter < 0) jitter = _random() * Math.Min(0.5, 0.2 * (_pausedUntil - _lastThrottle));
                        wait += jitter;
                    }
                    else
                    {
                        wait = TakeToken(now);
                        if (wait <= 0)
                        {
                            // Stryker disable once Statement : only bounds the queue's memory: OnAccepted trims it before counting
                            Trim(_sent, now);
                            _sent.Enqueue(now);
                            return now;
                        }
                    }
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait * 1000))), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>An answer that was not a throttle: the service accepted the request, so the rate may grow.</summary>
        public void OnAccepted(double sentAt)
        {
            lock (_gate)
            {
                double now = _now();
                // Stryker disable once Statement : only bounds the queue's memory: OnThrottled trims it before counting
                Trim(_accepted, now);
                _accepted.Enqueue(now);
                // Stryker disable once Statement : the rate set before the first throttle is never read: Rate says infinity, and the first throttle sets it from what was accepted
                if (!_enabled) return;
                double cubic = CubicRate(now - _lastThrottle);
                // Do not let an idle session's allowance run away: grow at most to twice what is really being sent,
                // but never below the rate the service last accepted.
                Trim(_sent, now);
                double ceiling = Math.Max(2 * _sent.Count / MeasureWindowSeconds, _lastMaxRate);
                _rate = Math.Max(MinRate, Math.Min(cubic, ceiling));
            }
        }

        /// <summary>A 1003 / HTTP 429 answer to a request sent at <paramref name="sentAt"/>.</summary>
        public void OnThrottled(double sentAt, TimeSpan? retryAfter)
        {
            lock (_gate)
            {
                double now = _now();
                if (retryAfter.HasValue)
                {
                    double pause = Math.Min(retryAfter.Value.TotalSeconds, _maxPause.TotalSeconds);
                    if (pause > 0 && now + pause > _pausedUntil) _pausedUntil = now + pause;
                }
                // Answers to requests sent before the last decrease belong to the same episode.
                if (sentAt < _lastDecrease) return;
                Trim(_accepted, now);
                // Stryker disable once Arithmetic : the window is one second, so dividing by it or multiplying by it is the same
                double accepted = _accepted.Count / MeasureWindowSeconds;
                double basis = _enabled ? Math.Min(_rate, Math.Max(accepted, MinRate)) : Math.Max(accepted, MinRate);
                _lastMaxRate = basis;
                _lastThrottle = now;
                _lastDecrease = now;
                _rate = Math.Max(MinRate, basis * Beta);
                if (!_enabled)
                {
                    _enabled = true;
                    _tokens = 0;
                    _lastRefill = now;
                }
                else if (_tokens > BucketCapacity()) _tokens = BucketCapacity();
                Decreases++;
            }
        }

        private double TakeToken(double now)
        {
            if (!_enabled) return 0;
            _tokens = Math.Min(BucketCapacity(), _tokens + (now - _lastRefill) * _rate);
            _lastRefill = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return 0;
            }
            return (1 - _tokens) / _rate;
        }

        // A small bucket paces sends evenly; a slightly larger one at high rates keeps timer granularity from capping them.
        private double BucketCapacity() => Math.Max(1, _rate / 20);

        // W(t) = C (t - K)^3 + Wmax, with K chosen so that W(0) = Beta * Wmax.
        private double CubicRate(double secondsSinceThrottle)
        {
            double k = Math.Pow(_lastMaxRate * (1 - Beta) / ScaleConstant, 1.0 / 3);
            double x = secondsSinceThrottle - k;
            return ScaleConstant * x * x * x + _lastMaxRate;
        }

        private static void Trim(Queue<double> times, double now)
        {
            while (times.Count > 0 && now - times.Peek() > MeasureWindowSeconds) times.Dequeue();
        }
    }
}
