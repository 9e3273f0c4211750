using System;
using System.Threading;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// An IProgress that hands only the latest value to the pipeline thread: a fast transfer reports thousands of
    /// times a second, the host needs at most one update per pump.
    /// </summary>
    internal sealed class CoalescingProgress<T> : IProgress<T>
    {
        private readonly PipelineDispatcher _dispatcher;
        private readonly Action<T> _onPipelineThread;
        private readonly object _gate = new object();
        private T _latest = default!;
        private static readonly long MinTicksBetweenPosts = System.Diagnostics.Stopwatch.Frequency / 10;
        private bool _scheduled;
        private long _lastPost = long.MinValue / 2;

        public CoalescingProgress(PipelineDispatcher dispatcher, Action<T> onPipelineThread)
        {
            _dispatcher = dispatcher;
            _onPipelineThread = onPipelineThread;
        }

        public void Report(T value)
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _latest = value;
                // At most ten updates a second: a 500 MB transfer reports thousands of chunks, and waking the pipeline
                // thread for each one cost more than the copy (docs/performance.md). The cmdlets end with a Completed record.
                if (_scheduled || now - _lastPost < MinTicksBetweenPosts) return;
                _scheduled = true;
                _lastPost = now;
            }
            _dispatcher.Post(Deliver);
        }

        private void Deliver()
        {
            T value;
            lock (_gate)
            {
                value = _latest;
                _scheduled = false;
            }
            _onPipelineThread(value);
        }
    }
}
