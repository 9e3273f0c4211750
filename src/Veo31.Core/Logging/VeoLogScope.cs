using System;
using System.Threading;

namespace Veo31.Core.Logging
{
    /// <summary>
    /// The log of the current logical operation. A session's client is shared by many cmdlet calls, so the
    /// log travels with the async flow rather than living on the client.
    /// </summary>
    public static class VeoLogScope
    {
        private static readonly AsyncLocal<IVeoLog?> CurrentLog = new AsyncLocal<IVeoLog?>();

        public static IVeoLog? Current => CurrentLog.Value;

        public static IDisposable Use(IVeoLog log)
        {
            var previous = CurrentLog.Value;
            CurrentLog.Value = log;
            return new Restore(previous);
        }

        private sealed class Restore : IDisposable
        {
            private readonly IVeoLog? _previous;
            public Restore(IVeoLog? previous) => _previous = previous;
            public void Dispose() => CurrentLog.Value = _previous;
        }
    }
}
