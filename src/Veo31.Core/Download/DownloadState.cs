using System;
using System.Security.Cryptography;
using Veo31.Core.Files;

namespace Veo31.Core.Download
{
    /// <summary>
    /// What one download knows between attempts: how much of which version of the video its destination holds. A broken
    /// transfer is resumed only when the version is provable (a strong ETag or a Last-Modified date, and the total length);
    /// otherwise it starts over, so the destination is always one version in full, never two spliced. The SHA-256 and the
    /// MP4 layout of the bytes written are followed as they pass, so no destination has to be read back.
    /// </summary>
    internal sealed class DownloadState : IDisposable
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

        private IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        /// <summary>The top-level MP4 boxes of the bytes written, for a body whose end cannot be told otherwise.</summary>
        public Mp4Layout Layout { get; private set; } = new Mp4Layout();

        /// <summary>Counts bytes the destination accepted (in order, after those already written).</summary>
        public void Accepted(byte[] buffer, int offset, int count)
        {
            _sha256.AppendData(buffer, offset, count);
            Layout.Append(buffer, offset, count);
            Written += count;
            MostWritten = Math.Max(MostWritten, Written);
        }

        /// <summary>Lower-case hex SHA-256 of the bytes written.</summary>
        public string Sha256() => Sha256Hex.Of(_sha256.GetHashAndReset());

        /// <summary>Forgets the version written: the next bytes written are the start of the video.</summary>
        public void Restart(IVideoSink sink)
        {
            sink.Restart();
            // Stryker disable once Statement : disposing the old hash only frees it early; nothing reads it again
            _sha256.Dispose();
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Layout = new Mp4Layout();
            Written = 0;
            Total = null;
            ETag = null;
            LastModified = null;
            Encoded = false;
        }

        public void Dispose() => _sha256.Dispose();
    }
}
