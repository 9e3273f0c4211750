using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Models;

namespace Veo31.Core.Http
{
    /// <summary>
    /// The Veo 3.1 API over one shared HttpClient. Thread-safe: a session's cmdlets call it concurrently.
    /// Every failure surfaces as <see cref="Errors.VeoException"/>.
    /// </summary>
    public sealed class VeoClient : IDisposable
    {
        public VeoClient(VeoClientOptions options, SecureString apiKey)
        {
            throw new NotImplementedException();
        }

        public VeoClientOptions Options => throw new NotImplementedException();

        /// <summary>POST /generate-video. Retried only when the server cannot have acted on it.</summary>
        public Task<VideoJobInfo> GenerateVideoAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
            => throw new NotImplementedException();

        /// <summary>GET /video-status/{uuid}.</summary>
        public Task<VideoJobInfo> GetVideoStatusAsync(string uuid, CancellationToken cancellationToken)
            => throw new NotImplementedException();

        /// <summary>POST /upload-video-image: checks the real format and size first, streams the file.</summary>
        public Task<UploadedImageInfo> UploadImageAsync(string path, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
            => throw new NotImplementedException();

        /// <summary>Streams videoUrl to a temporary file beside destinationFile and renames it into place when complete.
        /// Never sends the API key to a host other than the API's own.</summary>
        public Task<DownloadResult> DownloadVideoAsync(string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
            => throw new NotImplementedException();

        public void Dispose()
        {
        }
    }
}
