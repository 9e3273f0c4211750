using System;
using System.Collections.Generic;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Veo31.Core.Text;

namespace Veo31.PowerShell
{
    /// <summary>One video generation as the API (or the local job journal) last reported it.</summary>
    public sealed class VeoVideo
    {
        internal VeoVideo(string uuid)
        {
            Uuid = uuid;
        }

        public string Uuid { get; internal set; }
        public VeoVideoStatus Status { get; internal set; }
        public string? GenerationType { get; internal set; }
        public string? Prompt { get; internal set; }
        public string? AspectRatio { get; internal set; }
        public DateTimeOffset? CreatedAt { get; internal set; }
        public string? VideoUrl { get; internal set; }
        /// <summary>0 to 100, when the API reports it.</summary>
        public int? Progress { get; internal set; }
        /// <summary>Estimated seconds remaining, when the API reports it.</summary>
        public int? EstimatedTime { get; internal set; }
        public string? FailureReason { get; internal set; }
        public string? ImageUrl { get; internal set; }
        public string? ImageKey { get; internal set; }
        /// <summary>The local file the image was uploaded from (Send-VeoImage), from the pipeline or the job journal.</summary>
        public VeoImageSource? ImageSource { get; internal set; }
        /// <summary>The status text exactly as the API sent it (useful when Status is Unknown).</summary>
        public string? RawStatus { get; internal set; }
        /// <summary>When the job was submitted from this machine (from the job journal).</summary>
        public DateTimeOffset? Submitted { get; internal set; }
        /// <summary>When the status was last fetched from the API.</summary>
        public DateTimeOffset? LastChecked { get; internal set; }
        /// <summary>Where Save-VeoVideo wrote the file, from the job journal.</summary>
        public string? SavedPath { get; internal set; }
        /// <summary>True when New-VeoVideo -Reuse returned this earlier job instead of paying for a new one.</summary>
        public bool Reused { get; internal set; }
        /// <summary>Fields the API sent that this release does not know, as raw JSON text.</summary>
        public IDictionary<string, string> AdditionalFields { get; internal set; } = new Dictionary<string, string>();

        /// <summary>For a request whose answer was lost (Status OutcomeUnknown): the hash of what was sent, to check before sending it again.</summary>
        public string? RequestFingerprint { get; internal set; }

        /// <summary>Nothing more will happen to it: failed, or completed with somewhere to download it from.</summary>
        public bool IsFinished => Status == VeoVideoStatus.Failed || (Status == VeoVideoStatus.Completed && !string.IsNullOrEmpty(VideoUrl));

        /// <summary>The status as shown: the API's own word when it is not one of the documented four.</summary>
        public string StatusText => Status == VeoVideoStatus.Unknown || (Status == VeoVideoStatus.Failed && RawStatus != null
                                        && !string.Equals(RawStatus, "failed", StringComparison.OrdinalIgnoreCase))
            ? (string.IsNullOrEmpty(RawStatus) ? Status.ToString() : RawStatus!)
            : Status.ToString();

        public override string ToString() => Uuid;

        internal static VeoVideo FromJob(VideoJobInfo job, VeoVideo? previous = null)
        {
            var video = new VeoVideo(job.Uuid)
            {
                Status = ToStatus(job.Status),
                RawStatus = job.RawStatus,
                GenerationType = job.GenerationType ?? previous?.GenerationType,
                Prompt = job.Prompt ?? previous?.Prompt,
                AspectRatio = job.AspectRatio ?? previous?.AspectRatio,
                CreatedAt = job.CreatedAt ?? previous?.CreatedAt,
                VideoUrl = job.VideoUrl,
                Progress = job.Progress,
                EstimatedTime = job.EstimatedTimeSeconds,
                FailureReason = job.FailureReason,
                ImageUrl = previous?.ImageUrl,
                ImageKey = previous?.ImageKey,
                ImageSource = previous?.ImageSource,
                Submitted = previous?.Submitted,
                SavedPath = previous?.SavedPath,
                LastChecked = DateTimeOffset.UtcNow,
                AdditionalFields = CopyFields(job.AdditionalFields),
            };
            if (string.IsNullOrEmpty(video.Uuid) && previous != null) video.Uuid = previous.Uuid;
            return video;
        }

        /// <summary>What the job service needs to plan this video's polls.</summary>
        internal WaitRequest ToWaitRequest()
        {
            var request = new WaitRequest(Uuid) { Submitted = Submitted ?? CreatedAt };
            if (Status != VeoVideoStatus.Unknown || RawStatus != null)
            {
                request.LastKnown = new VideoJobInfo
                {
                    Uuid = Uuid,
                    Status = ToCoreStatus(Status),
                    RawStatus = RawStatus,
                    VideoUrl = VideoUrl,
                    Progress = Progress,
                    EstimatedTimeSeconds = EstimatedTime,
                    FailureReason = FailureReason,
                    CreatedAt = CreatedAt,
                };
                request.LastChecked = LastChecked;
            }
            return request;
        }

        /// <summary>From the journal, whose file may hold server text written by an older release: shown through ServerText too.</summary>
        internal static VeoVideo FromJournal(JournalEntry entry) => new VeoVideo(entry.Uuid)
        {
            Status = entry.IsOutcomeUnknown ? VeoVideoStatus.OutcomeUnknown : entry.IsGone ? VeoVideoStatus.Gone : ToStatus(entry.LastStatus),
            RawStatus = ServerText.Message(entry.RawStatus),
            CreatedAt = entry.CreatedAt,
            RequestFingerprint = entry.RequestFingerprint,
            GenerationType = ServerText.Message(entry.GenerationType),
            Prompt = ServerText.Field(entry.Prompt),
            AspectRatio = ServerText.Message(entry.AspectRatio),
            ImageUrl = ServerText.Url(entry.ImageUrl),
            ImageKey = entry.ImageKey,
            ImageSource = VeoImageSource.FromJournal(entry.SourceImage),
            VideoUrl = ServerText.Url(entry.VideoUrl),
            // The journal keeps status changes, not progress; a finished job's progress is known all the same.
            Progress = entry.LastStatus == VideoStatus.Completed ? 100 : (int?)null,
            FailureReason = ServerText.Message(entry.FailureReason),
            Submitted = entry.Submitted,
            LastChecked = entry.LastChecked,
            SavedPath = entry.SavedPath,
        };

        private static Dictionary<string, string> CopyFields(IReadOnlyDictionary<string, string>? fields)
        {
            var copy = new Dictionary<string, string>(StringComparer.Ordinal);
            if (fields != null)
                foreach (KeyValuePair<string, string> field in fields) copy[field.Key] = field.Value;
            return copy;
        }

        private static VideoStatus ToCoreStatus(VeoVideoStatus status) => status switch
        {
            VeoVideoStatus.Pending => VideoStatus.Pending,
            VeoVideoStatus.Processing => VideoStatus.Processing,
            VeoVideoStatus.Completed => VideoStatus.Completed,
            VeoVideoStatus.Failed => VideoStatus.Failed,
            _ => VideoStatus.Unknown,
        };

        internal static VeoVideoStatus ToStatus(VideoStatus status) => status switch
        {
            VideoStatus.Pending => VeoVideoStatus.Pending,
            VideoStatus.Processing => VeoVideoStatus.Processing,
            VideoStatus.Completed => VeoVideoStatus.Completed,
            VideoStatus.Failed => VeoVideoStatus.Failed,
            _ => VeoVideoStatus.Unknown,
        };
    }
}
