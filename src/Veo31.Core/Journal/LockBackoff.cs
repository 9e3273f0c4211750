using System;
using System.Threading;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// How a journal writer waits for a lock another process holds: a short first pause that doubles up to a ceiling,
    /// each pause stretched at random by up to its own length so writers waiting together do not retry in step, until
    /// a deadline. The file and blob stores both wait this way, with their own pauses.
    /// </summary>
    internal sealed class LockBackoff
    {
        private readonly LockClock _clock;
        private readonly DateTime _deadline;
        private readonly int _maxDelayMs;
        private readonly Random _random = new Random();
        private int _delayMs;

        public LockBackoff(TimeSpan timeout, int firstDelayMs, int maxDelayMs, LockClock clock)
        {
            _clock = clock;
            _deadline = clock.UtcNow() + timeout;
            _delayMs = firstDelayMs;
            _maxDelayMs = maxDelayMs;
        }

        /// <summary>False once the deadline is reached: the writer gives up instead of pausing again.</summary>
        public bool BeforeDeadline => _clock.UtcNow() < _deadline;

        public void Pause()
        {
            _clock.Sleep(_delayMs + _random.Next(_delayMs));
            _delayMs = Math.Min(_delayMs * 2, _maxDelayMs);
        }
    }

    /// <summary>The time a lock wait reads and sleeps on; tests give a store one they step by hand.</summary>
    internal class LockClock
    {
        public static readonly LockClock System = new LockClock();

        public virtual DateTime UtcNow() => DateTime.UtcNow;

        public virtual void Sleep(int milliseconds) => Thread.Sleep(milliseconds);
    }
}
