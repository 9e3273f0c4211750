using System;
using System.Threading;

namespace Veo31.Core.Http
{
    /// <summary>The per-attempt timeout. For transfers it measures stalls: every chunk moved re-arms it.</summary>
    internal sealed class AttemptWatch : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly TimeSpan _limit;

        public AttemptWatch(CancellationToken outer, TimeSpan limit)
        {
            _limit = limit;
            _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
            Rearm();
        }

        public CancellationToken Token => _source.Token;
        public TimeSpan Limit => _limit;

        public void Rearm()
        {
            if (_limit > TimeSpan.Zero && _limit != Timeout.InfiniteTimeSpan)
            {
                try { _source.CancelAfter(_limit); } catch (ObjectDisposedException) { }
            }
        }

        public void Dispose() => _source.Dispose();
    }
}
