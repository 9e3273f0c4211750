using System;
using System.Globalization;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Storage;

namespace Veo31.PowerShell
{
    /// <summary>
    /// A connection to the Veo 3.1 API made by Connect-Veo. The API key lives only inside the internal client
    /// (as a read-only SecureString copy); no public member holds it, so Format-List *, ConvertTo-Json and
    /// Export-Clixml cannot show it.
    /// </summary>
    public sealed class VeoSession : IDisposable
    {
        private readonly object _gate = new object();
        private int _users;
        private bool _handedOut;
        private bool _retired;
        private int _disposed;

        internal VeoSession(VeoClient client, JobJournal journal, SpendingLimits limits, StorageAuth? storage = null)
        {
            Storage = storage ?? StorageAuth.None;
            Jobs = new JobService(client, journal, limits);
            ConnectedAt = DateTimeOffset.Now;
        }

        // Read from the client's options, which are what every call uses: no copy to drift from them.
        public Uri BaseUri => Client.BaseUri;
        /// <summary>The limit on one HTTP attempt, in seconds.</summary>
        public int TimeoutSec => (int)Math.Round(Client.Options.AttemptTimeout.TotalSeconds);
        public int MaxRetryCount => Client.Options.MaxRetryCount;
        /// <summary>The explicit proxy (Connect-Veo -Proxy); null when the environment or system setting applies.</summary>
        public Uri? Proxy => (Client.Options.Proxy as System.Net.WebProxy)?.Address;
        public DateTimeOffset ConnectedAt { get; }
        public string JournalPath => Journal.Path;
        /// <summary>The cap on generations for this session (Connect-Veo -MaxGenerations); null for none.</summary>
        public int? MaxGenerations => Jobs.Spending.Limits.PerSession;
        /// <summary>The cap on generations in any 24 hours, counted from the journal; null for none.</summary>
        public int? MaxGenerationsPerDay => Jobs.Spending.Limits.PerDay;
        /// <summary>Generations this session started (accepted, lost answers and those on the wire).</summary>
        public int GenerationsSpent => Jobs.Spending.Snapshot().SessionSpent;
        /// <summary>What -MaxGenerations still allows; null without that cap.</summary>
        public int? GenerationsLeft => Jobs.Spending.Snapshot().SessionLeft;
        /// <summary>Generations in the job journal in the last 24 hours, from any run or process that shares it; empty when
        /// the journal cannot be read.</summary>
        public int? GenerationsLast24Hours => Jobs.Spending.Snapshot().DaySpent;
        /// <summary>What -MaxGenerationsPerDay still allows now; null without that cap.</summary>
        public int? GenerationsLeftToday => Jobs.Spending.Snapshot().DayLeft;
        /// <summary>False once Disconnect-Veo closed it (or Connect-Veo replaced it, when nobody else can hold it).</summary>
        public bool IsOpen => Volatile.Read(ref _disposed) == 0;

        internal JobService Jobs { get; }
        internal VeoClient Client => Jobs.Client;
        internal JobJournal Journal => Jobs.Journal;
        /// <summary>The storage credential Connect-Veo was given (SecureStrings inside; internal, so never shown), for the blob
        /// journal and for Save-VeoVideo to a container.</summary>
        internal StorageAuth Storage { get; }
        /// <summary>Storage goes through the same explicit proxy as the API (null: the environment's).</summary>
        internal IWebProxy? StorageProxy => Client.Options.Proxy;

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Veo session to {0} (connected {1:u}{2})", BaseUri, ConnectedAt.ToUniversalTime(), IsOpen ? "" : ", closed");

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Client.Dispose();
        }

        /// <summary>A command starts using the session; false when it is closed.</summary>
        internal bool TryAcquire()
        {
            lock (_gate)
            {
                if (!IsOpen) return false;
                _users++;
                return true;
            }
        }

        /// <summary>A command is done with the session; a retired session closes when its last command ends.</summary>
        internal void Release()
        {
            bool close;
            lock (_gate)
            {
                _users--;
                close = _retired && _users == 0;
            }
            if (close) Dispose();
        }

        /// <summary>The session was written to the pipeline (Connect-Veo -PassThru, Get-VeoSession): whoever holds it may use it
        /// with -Session in any runspace, so only Disconnect-Veo (or the garbage collector) closes it from now on.</summary>
        internal void MarkHandedOut()
        {
            lock (_gate) _handedOut = true;
        }

        /// <summary>
        /// No longer a runspace's current session (replaced by Connect-Veo, or its runspace closed). Never handed out, it can
        /// only be in use by commands of that runspace that resolved it before: it closes now, or when the last of them ends.
        /// </summary>
        internal void Retire()
        {
            bool close;
            lock (_gate)
            {
                if (_handedOut) return;
                _retired = true;
                close = _users == 0;
            }
            if (close) Dispose();
        }
    }

    /// <summary>
    /// The session cmdlets use when -Session is not given: one per runspace, so the runspaces of ForEach-Object -Parallel,
    /// thread jobs and hosted PowerShell instances each connect without touching the others. A session passed with
    /// -Session works in any runspace.
    /// </summary>
    public static class VeoSessionState
    {
        private static readonly ConditionalWeakTable<Runspace, Slot> Slots = new ConditionalWeakTable<Runspace, Slot>();
        // Commands run with no default runspace only when hosted oddly; they share this slot.
        private static readonly Slot NoRunspace = new Slot();

        /// <summary>The current session of the runspace this thread runs.</summary>
        public static VeoSession? Current => For(Runspace.DefaultRunspace)?.Session;

        /// <summary>The current session of a given runspace.</summary>
        internal static VeoSession? CurrentOf(Runspace runspace) => Slots.TryGetValue(runspace, out Slot? slot) ? slot.Session : null;

        /// <summary>Makes session current in this thread's runspace and returns the one it replaced.</summary>
        internal static VeoSession? Replace(VeoSession? session) => For(Runspace.DefaultRunspace, create: true)!.Exchange(session);

        /// <summary>Clears this runspace's current session if it is the given one.</summary>
        internal static bool ClearIf(VeoSession session) => For(Runspace.DefaultRunspace)?.ClearIf(session) ?? false;

        private static Slot? For(Runspace? runspace, bool create = false)
        {
            if (runspace == null) return NoRunspace;
            if (Slots.TryGetValue(runspace, out Slot? slot)) return slot;
            if (!create) return null;
            return Slots.GetValue(runspace, CreateSlot);
        }

        private static Slot CreateSlot(Runspace runspace)
        {
            var slot = new Slot();
            // A closed runspace (ForEach-Object -Parallel ends its runspaces) retires its current session, so one never
            // handed out releases its connections now rather than when the garbage collector finds it.
            runspace.StateChanged += (_, e) =>
            {
                RunspaceState state = e.RunspaceStateInfo.State;
                if (state == RunspaceState.Closed || state == RunspaceState.Broken) slot.Exchange(null)?.Retire();
            };
            return slot;
        }

        private sealed class Slot
        {
            private VeoSession? _session;

            public VeoSession? Session => Volatile.Read(ref _session);

            public VeoSession? Exchange(VeoSession? session) => Interlocked.Exchange(ref _session, session);

            public bool ClearIf(VeoSession session) => Interlocked.CompareExchange(ref _session, null, session) == session;
        }
    }
}
