using System;
using System.IO;

namespace Veo31.Core.Download
{
    /// <summary>
    /// What one download knows between attempts: how much of which version of the file is on disk. A broken transfer is
    /// resumed only when the version is provable (a strong ETag or a Last-Modified date, and the total length); otherwise it
    /// starts over, so the file on disk is always one version in full, never two spliced.
    /// </summary>
    internal sealed class DownloadState
    {
        public DownloadState(Uri source) => Source = source;

        public Uri Source { get; }
        public long Written { get; set; }
        /// <summary>The length of the version being written (identity bodies only).</summary>
        public long? Total { get; set; }
        /// <summary>The body's end cannot be told from a cut (no length, not chunked): the MP4 layout must prove it.</summary>
        public bool LengthUnprovable { get; set; }
        /// <summary>The strong ETag of the version being written, sent as If-Range and required on a 206.</summary>
        public string? ETag { get; set; }
        /// <summary>Its Last-Modified date, the validator used when there is no strong ETag.</summary>
        public DateTimeOffset? LastModified { get; set; }
        /// <summary>The body being written was content-encoded (decoded here): a range cannot resume it.</summary>
        public bool Encoded { get; set; }
        public int RangeRequests { get; set; }
        /// <summary>Breaks after which the transfer went on from where it was (they do not spend the retry budget).</summary>
        public int Resumes { get; set; }
        public long MostWritten { get; set; }

        public bool HasValidator => ETag != null || LastModified.HasValue;

        /// <summary>Whether the bytes on disk can be continued with a range request.</summary>
        public bool CanResume => Written > 0 && !Encoded && Total.HasValue && Written <= Total.Value && HasValidator;

        /// <summary>Forgets the version on disk: the next bytes written are the start of the file.</summary>
        public void Restart(FileStream file)
        {
            file.SetLength(0);
            file.Position = 0;
            Written = 0;
            Total = null;
            ETag = null;
            LastModified = null;
            Encoded = false;
        }
    }
}
