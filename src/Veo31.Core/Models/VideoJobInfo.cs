using System;
using System.Collections.Generic;

namespace Veo31.Core.Models
{
    /// <summary>What the API said about one generation (from /generate-video or /video-status).</summary>
    public sealed class VideoJobInfo
    {
        public string Uuid { get; set; } = "";
        public VideoStatus Status { get; set; }
        /// <summary>The status string exactly as the API sent it (kept when Status is Unknown).</summary>
        public string? RawStatus { get; set; }
        public string? GenerationType { get; set; }
        public string? Prompt { get; set; }
        public string? AspectRatio { get; set; }
        public DateTimeOffset? CreatedAt { get; set; }
        public string? VideoUrl { get; set; }
        public int? Progress { get; set; }
        public int? EstimatedTimeSeconds { get; set; }
        /// <summary>The failure reason from whichever field carried it (msg, error, errorMessage, failReason).</summary>
        public string? FailureReason { get; set; }
        /// <summary>Fields this release does not know, as raw JSON text, so nothing the API adds is lost.</summary>
        public IReadOnlyDictionary<string, string> AdditionalFields { get; set; } = new Dictionary<string, string>();
    }
}
