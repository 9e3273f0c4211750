using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Core.Json;
using Veo31.Core.Models;
using Veo31.Core.Upload;

namespace Veo31.Core.Http
{
    /// <summary>
    /// The Veo 3.1 API over one shared HttpClient. Thread-safe: a session's cmdlets call it concurrently.
    /// Every failure surfaces as <see cref="Errors.VeoException"/>.
    /// </summary>
    public sealed class VeoClient : IDisposable
    {
        private readonly ApiTransport _transport;
        private readonly VideoDownloader _downloader;
        private int _disposed;

        public VeoClient(VeoClientOptions options, SecureString apiKey)
            : this(options, apiKey, null)
        {
        }

        /// <summary>For tests: a handler in place of the one built from the options.</summary>
        internal VeoClient(VeoClientOptions options, SecureString apiKey, HttpMessageHandler? handler)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (apiKey == null) throw new ArgumentNullException(nameof(apiKey));
            Uri baseUri = UrlRules.CheckBaseUri(options.BaseUri);
            CheckOptions(options);
            var key = new ApiKeyHolder(apiKey);
            Options = options;
            _transport = new ApiTransport(options, baseUri, key, handler ?? HttpHandlerFactory.Create(options));
            _downloader = new VideoDownloader(_transport);
        }

        public VeoClientOptions Options { get; }

        /// <summary>The API base the client talks to, normalised to end with a slash.</summary>
        public Uri BaseUri => _transport.BaseUri;

        /// <summary>POST /generate-video. Retried only when the server cannot have acted on it.</summary>
        public Task<VideoJobInfo> GenerateVideoAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            RequestValidation.ValidateGenerateRequest(request, Options.MaxPromptLength);
            byte[] body = RequestJson.GenerateVideoBody(request);
            var call = new ApiCall("Video generation", HttpMethod.Post, new Uri(BaseUri, "generate-video"))
            {
                IsGeneration = true,
                RequestFingerprint = RequestFingerprint.Of(request),
                CreateContent = _ =>
                {
                    var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    return content;
                },
            };
            return _transport.CallAsync(call, VideoJobParser.Parse, cancellationToken);
        }

        /// <summary>GET /video-status/{uuid}.</summary>
        public async Task<VideoJobInfo> GetVideoStatusAsync(string uuid, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            string id = (uuid ?? "").Trim();
            if (id.Length == 0 || id == "." || id == ".." || id.Length > 512)
                throw new VeoException(VeoErrorKind.InvalidParameters, "A video uuid is required (1 to 512 characters, not '.' or '..').");
            var call = new ApiCall("Video status", HttpMethod.Get, new Uri(BaseUri, "video-status/" + Uri.EscapeDataString(id)));
            try
            {
                return await _transport.CallAsync(call, VideoJobParser.Parse, cancellationToken).ConfigureAwait(false);
            }
            catch (VeoException ex)
            {
                ex.Uuid ??= id;
                throw;
            }
        }

        /// <summary>POST /upload-video-image: checks the real format and size first, streams the file.</summary>
        public async Task<UploadedImageInfo> UploadImageAsync(string path, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            ImageFormat format = RequestValidation.ValidateImageFile(path, Options.MaxImageBytes);
            string fullPath = Path.GetFullPath(path);
            long length = new FileInfo(fullPath).Length;
            string uploadName = UploadFileName(fullPath, format);
            string contentType = RequestValidation.ContentType(format);

            var call = new ApiCall("Image upload", HttpMethod.Post, new Uri(BaseUri, "upload-video-image"))
            {
                IsTransfer = true,
                CreateContent = watch =>
                {
                    var file = new FileUploadContent(fullPath, length, contentType, progress, watch.Rearm, watch.Token);
                    return new MultipartFileContent("file", uploadName, file);
                },
            };
            UploadedImageInfo info = await _transport.CallAsync(call, UploadedImageParser.Parse, cancellationToken).ConfigureAwait(false);
            info.SourcePath = fullPath;
            info.Length = length;
            info.Format = format;
            return info;
        }

        /// <summary>Streams videoUrl to a temporary file beside destinationFile and renames it into place when complete.
        /// Never sends the API key, whatever the host (the API's own included); resumes only a version the server proves.</summary>
        public Task<DownloadResult> DownloadVideoAsync(string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return _downloader.DownloadAsync(videoUrl, destinationFile, overwrite, progress, cancellationToken);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _transport.Dispose();
        }

        public override string ToString() => "VeoClient(" + UrlRules.ShowUrl(BaseUri) + ")";

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(VeoClient));
        }

        /// <summary>
        /// The name sent with an upload: the file's own name (the provider may show it), as curl and browsers send it;
        /// MultipartFileContent escapes what a quoted parameter cannot hold.
        /// </summary>
        private static string UploadFileName(string fullPath, ImageFormat format)
        {
            string name = Path.GetFileName(fullPath);
            return string.IsNullOrEmpty(name) ? "image" + RequestValidation.Extension(format) : name;
        }

        private static void CheckOptions(VeoClientOptions options)
        {
            if (options.MaxRetryCount < 0 || options.MaxRetryCount > 20)
                throw new VeoException(VeoErrorKind.InvalidParameters, "MaxRetryCount must be between 0 and 20.");
            if (options.AttemptTimeout <= TimeSpan.Zero && options.AttemptTimeout != Timeout.InfiniteTimeSpan)
                throw new VeoException(VeoErrorKind.InvalidParameters, "AttemptTimeout must be positive.");
            if (options.MaxResponseBytes <= 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "MaxResponseBytes must be positive.");
            if (options.MaxPromptLength <= 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "MaxPromptLength must be positive.");
        }
    }
}
