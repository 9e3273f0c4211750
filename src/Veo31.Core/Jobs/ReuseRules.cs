using System;
using System.Collections.Generic;
using System.Linq;
using Veo31.Core.Journal;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// When an earlier job can stand for a new request instead of paying again: the same generation type, prompt (exactly)
    /// and aspect ratio, and for an image the same content (SHA-256 of the bytes uploaded, never the upload's URL, which is
    /// new each time). The job must have completed with a video or still be running; a failed, gone or lost one is not
    /// reused. A completed job wins over a running one, then the newest.
    /// </summary>
    public static class ReuseRules
    {
        /// <summary>What identifies a request for reuse; null when it cannot be matched (an image of unknown content).</summary>
        public static string? KeyOf(GenerateVideoRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return KeyOf(request.GenerationType, request.Prompt, request.AspectRatio, request.SourceImage?.Sha256);
        }

        public static JournalEntry? FindIn(IEnumerable<JournalEntry> entries, GenerateVideoRequest request)
        {
            string? key = KeyOf(request);
            if (key == null) return null;
            return entries
                .Where(e => IsWorthReusing(e) && KeyOf(e.GenerationType, e.Prompt, e.AspectRatio, e.SourceImage?.Sha256) == key)
                .OrderByDescending(e => e.LastStatus == VideoStatus.Completed)
                .ThenByDescending(e => e.Submitted)
                .FirstOrDefault();
        }

        private static bool IsWorthReusing(JournalEntry entry)
        {
            if (entry.IsGone || entry.IsOutcomeUnknown || entry.Uuid.Length == 0) return false;
            if (entry.LastStatus == VideoStatus.Completed) return !string.IsNullOrEmpty(entry.VideoUrl) || entry.IsPending;
            // A status the API does not document but that carried a reason is a failure (JobStatusRules); keep it out.
            if (entry.LastStatus == VideoStatus.Unknown && !string.IsNullOrEmpty(entry.FailureReason)) return false;
            return entry.LastStatus != VideoStatus.Failed;
        }

        private static string? KeyOf(string? generationType, string? prompt, string? aspectRatio, string? imageSha256)
        {
            if (generationType == null || prompt == null) return null;
            bool image = string.Equals(generationType, "image_to_video", StringComparison.Ordinal);
            if (image && string.IsNullOrEmpty(imageSha256)) return null;
            return generationType + "\n" + (aspectRatio ?? "auto").ToLowerInvariant() + "\n" + (image ? imageSha256!.ToLowerInvariant() : "") + "\n" + prompt;
        }
    }
}
