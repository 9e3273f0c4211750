using System.Management.Automation;

namespace Veo31.PowerShell.Commands
{
    /// <summary>Closes a session (by default the current one) and releases its connections.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Veo")]
    [OutputType(typeof(void))]
    public sealed class DisconnectVeoCommand : VeoCmdlet
    {
        // Disconnecting twice is not worth stopping a script for: report it, but let -ErrorAction decide.
        protected override void OnNotConnected(ErrorRecord record) => WriteError(record);

        protected override void End()
        {
            VeoSession session = ActiveSession;
            VeoSessionState.ClearIf(session);
            session.Dispose();
            WriteVerbose("Disconnected from " + session.BaseUri + ".");
        }
    }
}
