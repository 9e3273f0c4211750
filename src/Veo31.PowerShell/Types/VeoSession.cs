using System;
using System.Globalization;
using System.Threading;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;

namespace Veo31.PowerShell
{
    /// <summary>
    /// A connection to the Veo 3.1 API made by Connect-Veo. The API key lives only inside the internal client
    /// (as a read-only SecureString copy); no public member holds it, so Format-List *, ConvertTo-Json and
    /// Export-Clixml cannot show it.
    /// </summary>
    public sealed class VeoSession : IDisposable
    {
        private int _disposed;

        internal VeoSession(VeoClient client, JobJournal journal, int timeoutSec, int maxRetryCount, Uri? proxy)
        {
            Jobs = new JobService(client, journal);
            BaseUri = client.BaseUri;
            TimeoutSec = timeoutSec;
            MaxRetryCount = maxRetryCount;
            Proxy = proxy;
            ConnectedAt = DateTimeOffset.Now;
        }

        public Uri BaseUri { get; }
        public int TimeoutSec { get; }
        public int MaxRetryCount { get; }
        public Uri? Proxy { get; }
        public DateTimeOffset ConnectedAt { get; }
        public string JournalPath => Journal.Path;
        /// <summary>False once Disconnect-Veo (or a newer Connect-Veo) closed it.</summary>
        public bool IsOpen => Volatile.Read(ref _disposed) == 0;

        internal JobService Jobs { get; }
        internal VeoClient Client => Jobs.Client;
        internal JobJournal Journal => Jobs.Journal;

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Veo session to {0} (connected {1:u}{2})", BaseUri, ConnectedAt.ToUniversalTime(), IsOpen ? "" : ", closed");

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Client.Dispose();
        }
    }

    /// <summary>The session cmdlets use when -Session is not given. Process-wide, like the defaults of most cloud modules.</summary>
    public static class VeoSessionState
    {
        private static VeoSession? _current;

        public static VeoSession? Current => Volatile.Read(ref _current);

        /// <summary>Makes session current and returns the one it replaced.</summary>
        internal static VeoSession? Replace(VeoSession? session) => Interlocked.Exchange(ref _current, session);

        /// <summary>Clears the current session if it is the given one.</summary>
        internal static bool ClearIf(VeoSession session) => Interlocked.CompareExchange(ref _current, null, session) == session;
    }
}
