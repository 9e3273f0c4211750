using System;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>What the journal knows of one uuid the API accepted (the fold of all its records).</summary>
    public sealed class JournalEntry
    {
        public string Uuid { get; set; } = "";
        public string? Prompt { get; set; }
        public string? GenerationType { get; set; }
        public string? AspectRatio { get; set; }
        public string? ImageUrl { get; set; }
        public string? ImageKey { get; set; }
        public DateTimeOffset Submitted { get; set; }
        public VideoStatus LastStatus { get; set; }
        public DateTimeOffset? LastChecked { get; set; }
        public string? VideoUrl { get; set; }
        public string? FailureReason { get; set; }
        public string? SavedPath { get; set; }
        public bool IsPending => LastStatus == VideoStatus.Pending || LastStatus == VideoStatus.Processing || LastStatus == VideoStatus.Unknown;
    }
}
