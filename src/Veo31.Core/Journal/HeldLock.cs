using System;
using System.Threading;

namespace Veo31.Core.Journal
{
    /// <summary>A store's lock as its holder sees it: released exactly once, however often it is disposed.</summary>
    internal sealed class HeldLock : IDisposable
    {
        private Action? _release;

        public HeldLock(Action release) => _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
