using System.Management.Automation;

namespace Veo31.PowerShell.Commands
{
    /// <summary>Gets this runspace's current session (made by its last Connect-Veo). The API key is never part of it.</summary>
    [Cmdlet(VerbsCommon.Get, "VeoSession")]
    [OutputType(typeof(VeoSession))]
    public sealed class GetVeoSessionCommand : VeoCommandBase
    {
        protected override void End()
        {
            VeoSession? session = VeoSessionState.Current;
            if (session == null)
            {
                WriteVerbose("Not connected; run Connect-Veo.");
                return;
            }
            session.MarkHandedOut();
            WriteObject(session);
        }
    }
}
