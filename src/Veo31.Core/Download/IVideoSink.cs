using System.Threading;
using System.Threading.Tasks;

namespace Veo31.Core.Download
{
    /// <summary>
    /// Where a downloaded video goes (a file, a blob). The downloader decides everything about the transfer (resumes,
    /// restarts, lengths, hashes); a sink only keeps bytes and makes them visible in one step at the end, so its destination
    /// is either one version of the video in full, or absent.
    /// </summary>
    public interface IVideoSink
    {
        /// <summary>Where the video goes, as shown to the user and journaled: never a secret (no SAS query).</summary>
        string Location { get; }

        /// <summary>Before anything is fetched: refuses an existing destination without overwrite (FileExists) and prepares to write.</summary>
        Task OpenAsync(CancellationToken cancellationToken);

        /// <summary>Keeps the next bytes of the video, all of them or (throwing) none.</summary>
        Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken);

        /// <summary>Forgets every byte kept: the next write is the start of the video.</summary>
        void Restart();

        /// <summary>Makes the bytes kept visible at Location in one step.</summary>
        Task CompleteAsync(CancellationToken cancellationToken);

        /// <summary>The transfer failed or was cancelled: nothing becomes visible (best effort; never throws).</summary>
        void Abandon();
    }
}
