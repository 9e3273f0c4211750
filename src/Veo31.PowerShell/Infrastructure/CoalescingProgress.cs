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
        private bool _scheduled;

        public CoalescingProgress(PipelineDispatcher dispatcher, Action<T> onPipelineThread)
        {
            _dispatcher = dispatcher;
            _onPipelineThread = onPipelineThread;
        }

        public void Report(T value)
        {
            lock (_gate)
            {
                _latest = value;
                if (_scheduled) return;
                _scheduled = true;
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
