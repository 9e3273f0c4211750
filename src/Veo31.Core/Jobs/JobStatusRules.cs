using System;
using System.Collections.Generic;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// What a status the API sends means for waiting. The contract names four statuses; real services add more. A
    /// status that says the job ended badly (cancelled, expired, ...), or any status we do not know that carries a failure
    /// reason, is a failure; any other unknown status is still running and keeps being polled.
    /// </summary>
    internal static class JobStatusRules
    {
        private static readonly HashSet<string> FailureWords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "failed", "cancelled", "canceled", "expired", "error", "rejected",
        };

        public static VideoStatus Classify(string? raw, bool hasFailureReason)
        {
            string text = (raw ?? "").Trim();
            if (text.Equals("pending", StringComparison.OrdinalIgnoreCase)) return VideoStatus.Pending;
            if (text.Equals("processing", StringComparison.OrdinalIgnoreCase)) return VideoStatus.Processing;
            if (text.Equals("completed", StringComparison.OrdinalIgnoreCase)) return VideoStatus.Completed;
            if (FailureWords.Contains(text)) return VideoStatus.Failed;
            return hasFailureReason && text.Length > 0 ? VideoStatus.Failed : VideoStatus.Unknown;
        }

        /// <summary>Finished: a failure, or completed with somewhere to download the video from.</summary>
        public static bool IsFinished(VideoJobInfo job)
            => job.Status == VideoStatus.Failed || (job.Status == VideoStatus.Completed && !string.IsNullOrEmpty(job.VideoUrl));

        /// <summary>"completed" without a videoUrl: not finished; polled again a few times, then an invalid answer.</summary>
        public static bool IsCompletedWithoutUrl(VideoJobInfo job)
            => job.Status == VideoStatus.Completed && string.IsNullOrEmpty(job.VideoUrl);
    }
}
