using System.Collections.Generic;
using System.Management.Automation;
using Veo31.PowerShell.Completion;

namespace Veo31.PowerShell
{
    /// <summary>
    /// Base of the cmdlets that act on videos given either as VeoVideo objects (from New-VeoVideo, Get-VeoVideo...)
    /// or as uuids, both from the pipeline.
    /// </summary>
    public abstract class VeoVideoInputCmdlet : VeoCmdlet
    {
        protected const string VideoSet = "Video";
        protected const string UuidSet = "Uuid";

        /// <summary>Videos from New-VeoVideo, Get-VeoVideoStatus or Get-VeoVideo.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = VideoSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public VeoVideo[] InputObject { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = UuidSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JournalUuidCompleter))]
        public string[] Uuid { get; set; } = null!;

        /// <summary>This record's input as videos; a bare uuid becomes a video whose status is not known yet.</summary>
        protected IEnumerable<VeoVideo> InputVideos()
        {
            if (ParameterSetName == VideoSet)
            {
                foreach (VeoVideo video in InputObject) yield return video;
                yield break;
            }
            foreach (string uuid in Uuid) yield return new VeoVideo(uuid.Trim());
        }
    }
}
