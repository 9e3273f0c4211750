using System;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// What the journal knows of one job the API accepted (the fold of all its records), or of one paid request whose
    /// answer was lost (<see cref="IsOutcomeUnknown"/>: no uuid, only the request and its fingerprint).
    /// </summary>
    public sealed class JournalEntry
    {
        public string Uuid { get; set; } = "";
        public string? Prompt { get; set; }
        public string? GenerationType { get; set; }
        public string? AspectRatio { get; set; }
        public string? ImageUrl { get; set; }
        public string? ImageKey { get; set; }
        /// <summary>The uploaded file the job was made from (journal fields sourcePath, sourceName, sourceSha256, sourceLength).</summary>
        public SourceImageInfo? SourceImage { get; set; }
        public DateTimeOffset Submitted { get; set; }
        public DateTimeOffset? CreatedAt { get; set; }
        public VideoStatus LastStatus { get; set; }
        /// <summary>The API's status text when it is not one of the four documented ones.</summary>
        public string? RawStatus { get; set; }
        public DateTimeOffset? LastChecked { get; set; }
        public string? VideoUrl { get; set; }
        public string? FailureReason { get; set; }
        public string? SavedPath { get; set; }
        /// <summary>The API answered that it does not know this uuid.</summary>
        public bool IsGone { get; set; }
        /// <summary>A generation request that may or may not have been accepted (and charged); see <see cref="RequestFingerprint"/>.</summary>
        public bool IsOutcomeUnknown { get; set; }
        public string? RequestFingerprint { get; set; }

        /// <summary>Still worth waiting for: not finished (a "completed" without a videoUrl is not), not gone, and a job with a uuid.</summary>
        public bool IsPending => !IsGone && !IsOutcomeUnknown &&
                                 (LastStatus == VideoStatus.Pending || LastStatus == VideoStatus.Processing || LastStatus == VideoStatus.Unknown
                                  || (LastStatus == VideoStatus.Completed && string.IsNullOrEmpty(VideoUrl)));

        /// <summary>A generation this journal's owner paid for (accepted, or lost with its outcome unknown), as opposed to a job
        /// only looked up by uuid. Both paid records carry the request's fingerprint.</summary>
        public bool IsCharged => RequestFingerprint != null;

        internal JournalEntry Clone()
        {
            var copy = (JournalEntry)MemberwiseClone();
            if (SourceImage != null)
                copy.SourceImage = new SourceImageInfo { Path = SourceImage.Path, Name = SourceImage.Name, Sha256 = SourceImage.Sha256, Length = SourceImage.Length };
            return copy;
        }
    }
}
