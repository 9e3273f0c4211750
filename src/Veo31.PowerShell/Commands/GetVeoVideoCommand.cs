using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Veo31.Core.Journal;
using Veo31.PowerShell.Completion;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Lists the local job journal: every uuid the API accepted from this machine, with its last known status and
    /// saved file. Works without a connection. <c>Get-VeoVideo -Pending | Wait-VeoVideo | Save-VeoVideo</c> resumes
    /// work after a restart.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VeoVideo")]
    [OutputType(typeof(VeoVideo))]
    public sealed class GetVeoVideoCommand : VeoCmdlet
    {
        private readonly List<WildcardPattern> _patterns = new List<WildcardPattern>();

        /// <summary>Only these uuids (wildcards allowed).</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(JournalUuidCompleter))]
        public string[]? Uuid { get; set; }

        /// <summary>Only videos not known to be finished (pending, processing or unknown).</summary>
        [Parameter]
        public SwitchParameter Pending { get; set; }

        protected override bool RequiresSession => false;

        protected override void Process()
        {
            if (Uuid == null) return;
            foreach (string uuid in Uuid) _patterns.Add(new WildcardPattern(uuid, WildcardOptions.IgnoreCase));
        }

        protected override void End()
        {
            JobJournal journal = JournalLocation.ForReading(SessionState.Path, ResolvedSession);
            WriteVerbose("Reading the job journal " + journal.Path + ".");
            foreach (JournalEntry entry in journal.ReadAll())
            {
                if (Pending && !entry.IsPending) continue;
                if (_patterns.Count > 0 && !_patterns.Any(p => p.IsMatch(entry.Uuid))) continue;
                WriteObject(VeoVideo.FromJournal(entry));
            }
        }
    }
}
