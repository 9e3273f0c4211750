using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Logging;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell
{
    /// <summary>
    /// Base of the cmdlets that use a session: resolves -Session, runs Core's async calls while pumping their log and
    /// progress onto the pipeline thread, and holds the session until the command is disposed.
    /// </summary>
    public abstract class VeoCmdlet : VeoCommandBase
    {
        private readonly PipelineDispatcher _dispatcher = new PipelineDispatcher();
        private PipelineLog? _log;
        private VeoSession? _session;
        private VeoSession? _acquired;

        /// <summary>The session to use; by default the one made current by the last Connect-Veo.</summary>
        [Parameter]
        [ValidateNotNull]
        public VeoSession? Session { get; set; }

        /// <summary>The resolved session; only valid when <see cref="RequiresSession"/> is true or a session exists.</summary>
        protected VeoSession ActiveSession => _session ?? throw new InvalidOperationException("No session was resolved.");

        protected VeoSession? ResolvedSession => _session;

        internal PipelineDispatcher Dispatcher => _dispatcher;

        /// <summary>False for cmdlets that work without a connection (reading the local journal).</summary>
        protected virtual bool RequiresSession => true;

        private protected sealed override void BeginCommand()
        {
            _log = new PipelineLog(this, _dispatcher, IsStreamEnabled("Verbose", "VerbosePreference"), IsStreamEnabled("Debug", "DebugPreference"));
            _session = Session ?? VeoSessionState.Current;
            // Held until the command is disposed, so a Connect-Veo later in the pipeline does not close it under this command.
            if (_session != null && _session.TryAcquire()) _acquired = _session;
            if (_session != null && _acquired == null)
            {
                if (Session != null || RequiresSession)
                {
                    OnNotConnected(VeoErrorRecords.Create(VeoErrorRecords.NotConnected,
                        "The Veo session was closed by Disconnect-Veo. Run Connect-Veo again.", _session));
                    return;
                }
                _session = null;
            }
            if (_session == null && RequiresSession)
            {
                OnNotConnected(VeoErrorRecords.NotConnectedRecord());
                return;
            }
            Begin();
        }

        private protected sealed override void ProcessCommand()
        {
            if (_session == null && RequiresSession) return;
            Process();
        }

        private protected sealed override void EndCommand()
        {
            if (_session == null && RequiresSession) return;
            End();
        }

        // Only the session's own disposal (Disconnect-Veo from elsewhere) is "closed"; any other disposed object is a bug.
        private protected override bool IsOwnSessionClosed(ObjectDisposedException exception) => _session != null && !_session.IsOpen;

        /// <summary>What happens without a usable session: a terminating NotConnected error unless overridden.</summary>
        protected virtual void OnNotConnected(ErrorRecord record) => ThrowTerminatingError(record);

        /// <summary>Starts a Core call and blocks the pipeline thread until it ends, running its log and progress here meanwhile.</summary>
        internal T RunAndWait<T>(Func<CancellationToken, Task<T>> operation)
            => _dispatcher.PumpUntilComplete(StartAsync(operation, StopToken), StopToken);

        /// <summary>Starts a Core call with this command's log flowing into it; the caller pumps.</summary>
        internal Task<T> StartAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        {
            // The log travels in the async flow (AsyncLocal), so it must be in place when the task is created.
            // The operation starts here, not through Task.Run: Core is async all the way down, so it returns at its first
            // real wait (the request is on the wire by then), and one thread hop less per call is a third of a status call.
            using (VeoLogScope.Use(_log!))
            {
                if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
                try
                {
                    return operation(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return Task.FromCanceled<T>(cancellationToken);
                }
                catch (Exception ex)
                {
                    return Task.FromException<T>(ex);
                }
            }
        }

        /// <summary>
        /// <see cref="RunAndWait"/> for one item: a failure becomes that item's ErrorRecord (terminating when it dooms every
        /// later item) and false is returned.
        /// </summary>
        internal bool TryRunAndWait<T>(Func<CancellationToken, Task<T>> operation, object? target, out T result)
        {
            try
            {
                result = RunAndWait(operation);
                return true;
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, target);
            }
            catch (ObjectDisposedException ex)
            {
                ThrowTerminatingError(DisposedRecord(ex, target));
            }
            result = default!;
            return false;
        }

        /// <summary>A per-item failure: non-terminating, except those that doom every later item too.</summary>
        internal void WriteItemError(VeoException exception, object? target, string? uuid = null)
        {
            ErrorRecord record = VeoErrorRecords.FromCore(exception, target, uuid);
            if (VeoErrorRecords.IsTerminating(exception.Kind)) ThrowTerminatingError(record);
            WriteError(record);
        }

        /// <summary>Whether a finished call's failure dooms every later item too (see <see cref="WriteItemError"/>).</summary>
        internal static bool DoomsLaterItems(Task task)
        {
            if (!task.IsFaulted) return false;
            Exception? failure = task.Exception?.InnerException;
            return failure is ObjectDisposedException || (failure is VeoException veo && DoomsLaterItems(veo));
        }

        internal static bool DoomsLaterItems(VeoException? failure) => failure != null && VeoErrorRecords.IsTerminating(failure.Kind);

        /// <summary>Local parameter validation: a bad value ends the command before anything is sent.</summary>
        internal void ValidateLocally(Action validation, object? target)
        {
            try
            {
                validation();
            }
            catch (VeoException ex)
            {
                ThrowTerminatingError(VeoErrorRecords.FromCore(ex, target));
            }
        }

        /// <summary>
        /// The uploaded file a video was made from, as the session's journal holds it; null when it holds none or cannot be
        /// read (a video known by uuid alone loses nothing else for it).
        /// </summary>
        internal VeoImageSource? JournaledImageSource(string uuid) => VeoImageSource.FromJournal(FindJournaled(uuid)?.SourceImage);

        /// <summary>What the session's journal holds for a uuid; null when nothing, or when it cannot be read.</summary>
        internal Core.Journal.JournalEntry? FindJournaled(string uuid)
        {
            if (ResolvedSession == null || string.IsNullOrWhiteSpace(uuid)) return null;
            try
            {
                return ResolvedSession.Journal.Find(uuid.Trim());
            }
            catch (VeoException)
            {
                return null;
            }
        }

        /// <summary>A journal problem beside an API call that succeeded: a warning, never an error for the item.</summary>
        internal void WarnJournalProblem(VeoException? journalError, string uuid)
        {
            if (journalError != null)
                WriteWarning("The job journal could not record video " + uuid + ": " + journalError.Message);
        }

        /// <summary>A warning straight to the host, for when the pipeline refuses Write* (after Ctrl+C).</summary>
        internal void TellHost(string warning)
        {
            try
            {
                Host?.UI?.WriteWarningLine(warning);
            }
            catch (Exception ex) when (ex is PipelineStoppedException || ex is NotImplementedException || ex is InvalidOperationException)
            {
                // A host without a UI: the journal still holds the record.
            }
        }

        private bool IsStreamEnabled(string commonParameter, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(commonParameter, out object? bound))
                return bound is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(bound);
            object? preference = GetVariableValue(preferenceVariable);
            if (preference != null && LanguagePrimitives.TryConvertTo(preference, out ActionPreference value))
                return value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore;
            return false;
        }

        /// <summary>Runs first when the command is disposed (also after Ctrl+C), while the dispatcher still runs.</summary>
        protected virtual void OnDisposing() { }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try
                {
                    OnDisposing();
                }
                catch (Exception ex) when (ex is RuntimeException || ex is InvalidOperationException || ex is VeoException)
                {
                    // Disposal must not throw; what OnDisposing had to say went to the host already.
                }
            }
            base.Dispose(disposing);
            if (!disposing) return;
            _dispatcher.Dispose();
            Interlocked.Exchange(ref _acquired, null)?.Release();
        }
    }
}
