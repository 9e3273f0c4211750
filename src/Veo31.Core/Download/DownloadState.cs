using System;

namespace Veo31.Core.Download
{
    /// <summary>What one download knows between attempts, so a broken transfer resumes where it stopped.</summary>
    internal sealed class DownloadState
    {
        public DownloadState(Uri source) => Source = source;

        public Uri Source { get; }
        public long Written { get; set; }
        public long? Total { get; set; }
        /// <summary>A strong ETag, sent as If-Range so a changed file is fetched whole instead of spliced.</summary>
        public string? ETag { get; set; }
        public int RangeRequests { get; set; }
    }
}
