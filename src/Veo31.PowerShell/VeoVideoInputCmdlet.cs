using System.Collections.Generic;
using System.Management.Automation;
using Veo31.Core.Errors;
using Veo31.PowerShell.Infrastructure;
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

        /// <summary>
        /// This record's input as videos; a bare uuid becomes a video whose status is not known yet (with the source image the
        /// journal holds for it). A journal record of
        /// a request whose answer was lost has no uuid to act on: it gets an error of its own and is skipped.
        /// </summary>
        protected IEnumerable<VeoVideo> InputVideos()
        {
            if (ParameterSetName == VideoSet)
            {
                foreach (VeoVideo video in InputObject)
                {
                    if (video.Status == VeoVideoStatus.OutcomeUnknown || string.IsNullOrWhiteSpace(video.Uuid))
                    {
                        WriteError(NoUuidRecord(video));
                        continue;
                    }
                    yield return video;
                }
                yield break;
            }
            foreach (string uuid in Uuid) yield return new VeoVideo(uuid.Trim()) { ImageSource = JournaledImageSource(uuid) };
        }
    
        private static ErrorRecord NoUuidRecord(VeoVideo video)
        {
            var lost = new VeoException(VeoErrorKind.GenerationOutcomeUnknown,
                "This journal record is a generation request whose answer was lost (prompt '" + Short(video.Prompt) + "', request fingerprint " +
                (video.RequestFingerprint ?? "unknown") + "): it has no uuid to wait for or save. The API may have started it and charged for it; " +
                "check your jobs before submitting it again.") { RequestFingerprint = video.RequestFingerprint };
            return VeoErrorRecords.FromCore(lost, video);
        }

        private static string Short(string? text) => Core.Text.ServerText.Shorten(text, 60);
    }
}
