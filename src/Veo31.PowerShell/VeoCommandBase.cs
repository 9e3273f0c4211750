using System;
using System.Management.Automation;
using System.Threading;
using Veo31.Core.Errors;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell
{
    /// <summary>
    /// Base of every Veo31 cmdlet: each pipeline step runs behind one guard that turns every failure into an ErrorRecord
    /// (no raw .NET exception escapes), Ctrl+C cancels <see cref="StopToken"/>, and disposal follows the Dispose(bool)
    /// pattern so derived cmdlets release what they hold.
    /// </summary>
    public abstract class VeoCommandBase : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Cancelled when the pipeline is stopped (Ctrl+C, PowerShell.Stop).</summary>
        protected CancellationToken StopToken => _stop.Token;

        protected sealed override void BeginProcessing() => Guard(BeginCommand);
        protected sealed override void ProcessRecord() => Guard(ProcessCommand);
        protected sealed override void EndProcessing() => Guard(EndCommand);
        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>The command's own work for BeginProcessing, ProcessRecord and EndProcessing.</summary>
        protected virtual void Begin() { }
        protected virtual void Process() { }
        protected virtual void End() { }

        // Where a base class puts its own steps around the command's (the session base resolves its session here).
        private protected virtual void BeginCommand() => Begin();
        private protected virtual void ProcessCommand() => Process();
        private protected virtual void EndCommand() => End();

        /// <summary>Whether a disposed object is this command's session, closed while it ran (then NotConnected, else a bug).</summary>
        private protected virtual bool IsOwnSessionClosed(ObjectDisposedException exception) => false;

        /// <summary>The record for an object found disposed: the session closed under the command, or an unexpected error.</summary>
        private protected ErrorRecord DisposedRecord(ObjectDisposedException exception, object? target)
            => IsOwnSessionClosed(exception) ? SessionClosedRecord(target) : VeoErrorRecords.Unexpected(exception, target);

        private protected static ErrorRecord SessionClosedRecord(object? target)
            => VeoErrorRecords.Create(VeoErrorRecords.NotConnected,
                "The Veo session was closed while the command ran. Run Connect-Veo again.", target);

        private void Guard(Action step)
        {
            try
            {
                step();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped by the user: no error record, just end the pipeline.
                throw new PipelineStoppedException();
            }
            catch (RuntimeException)
            {
                throw;
            }
            catch (VeoRecordException ex)
            {
                ThrowTerminatingError(ex.Record);
            }
            catch (VeoException ex)
            {
                ThrowTerminatingError(VeoErrorRecords.FromCore(ex, null));
            }
            catch (ObjectDisposedException ex)
            {
                ThrowTerminatingError(DisposedRecord(ex, null));
            }
            catch (Exception ex)
            {
                ThrowTerminatingError(VeoErrorRecords.Unexpected(ex, null));
            }
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what the command holds; derived cmdlets override it and call the base.</summary>
        protected virtual void Dispose(bool disposing)
        {
            // Ends any background work still running; the source is not disposed because those tasks may still read its token.
            if (disposing) _stop.Cancel();
        }
    }
}
