using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Download;
using Veo31.Core.Validation;
using Veo31.Core.Errors;
using Veo31.Core.Json;
using Veo31.Core.Models;
using Veo31.Core.Upload;

namespace Veo31.Core.Http
{
    /// <summary>
    /// The Veo 3.1 API over one shared HttpClient. Thread-safe: a session's cmdlets call it concurrently.
    /// Every failure surfaces as <see cref="Errors.VeoException"/>; a call on a disposed client throws ObjectDisposedException.
    /// </summary>
    public sealed class VeoClient : IDisposable
    {
        private readonly ApiTransport _transport;
        private readonly VideoDownloader _downloader;
        private readonly object _gate = new object();
        private readonly CancellationTokenSource _closed = new CancellationTokenSource();
        private int _inFlight;
        private bool _disposed;

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
            GenerateRequestRules.ValidateGenerateRequest(request, Options.MaxPromptLength);
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
            return InFlight(() => _transport.CallAsync(call, VideoJobParser.Parse, cancellationToken));
        }

        /// <summary>GET /video-status/{uuid}, retried as the session's rules allow.</summary>
        public Task<VideoJobInfo> GetVideoStatusAsync(string uuid, CancellationToken cancellationToken)
            => GetStatusAsync(uuid, singleAttempt: false, cancellationToken);

        /// <summary>GET /video-status/{uuid} once, no retry: for the wait scheduler, which plans its own next poll.</summary>
        internal Task<VideoJobInfo> PollVideoStatusAsync(string uuid, CancellationToken cancellationToken)
            => GetStatusAsync(uuid, singleAttempt: true, cancellationToken);

        /// <summary>The rate control every call of this client shares.</summary>
        internal Resilience.AdaptiveRateLimiter RateLimiter => _transport.RateLimiter;

        private async Task<VideoJobInfo> GetStatusAsync(string uuid, bool singleAttempt, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            string id = (uuid ?? "").Trim();
            if (id.Length == 0 || id == "." || id == ".." || id.Length > 512)
                throw new VeoException(VeoErrorKind.InvalidParameters, "A video uuid is required (1 to 512 characters, not '.' or '..').") { Uuid = id };
            var call = new ApiCall("Video status", HttpMethod.Get, new Uri(BaseUri, "video-status/" + Uri.EscapeDataString(id)))
            {
                SingleAttempt = singleAttempt,
            };
            try
            {
                return await InFlight(() => _transport.CallAsync(call, data => ForAskedUuid(VideoJobParser.Parse(data), id), cancellationToken)).ConfigureAwait(false);
            }
            catch (VeoException ex) when (ex.Uuid == null)
            {
                throw ex.ForUuid(id);
            }
        }

        /// <summary>
        /// A status answer must be about the video asked for (letter case aside): a cache or a server bug that answers for
        /// another job would otherwise get that job journaled and its video saved under this uuid's name.
        /// </summary>
        private static VideoJobInfo ForAskedUuid(VideoJobInfo job, string askedUuid)
        {
            if (!string.Equals(job.Uuid.Trim(), askedUuid, StringComparison.OrdinalIgnoreCase))
                throw new VeoException(VeoErrorKind.InvalidResponse,
                    "The API sent an answer that cannot be read: the status answer is for another video than " + askedUuid + ".")
                { IsTransient = true, Uuid = askedUuid };
            job.Uuid = askedUuid;
            return job;
        }

        /// <summary>POST /upload-video-image: checks the real format and size first, streams the file.</summary>
        public async Task<UploadedImageInfo> UploadImageAsync(string path, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            ImageFormat format = ImageFileRules.ValidateImageFile(path, Options.MaxImageBytes);
            string fullPath = Path.GetFullPath(path);
            long length = new FileInfo(fullPath).Length;
            string uploadName = UploadFileName(fullPath, format);
            string contentType = format.ContentType();

            // Attempts run one after another, so the last content built is the one whose answer was accepted.
            FileUploadContent? lastSent = null;
            var call = new ApiCall("Image upload", HttpMethod.Post, new Uri(BaseUri, "upload-video-image"))
            {
                IsTransfer = true,
                CreateContent = watch =>
                {
                    var file = new FileUploadContent(fullPath, length, contentType, progress, watch.Rearm, watch.Token);
                    lastSent = file;
                    return new MultipartFileContent("file", uploadName, file);
                },
            };
            UploadedImageInfo info = await InFlight(() => _transport.CallAsync(call, UploadedImageParser.Parse, cancellationToken)).ConfigureAwait(false);
            info.SourcePath = fullPath;
            info.Length = length;
            info.Format = format;
            info.Source = new SourceImageInfo
            {
                Path = fullPath,
                Name = Path.GetFileName(fullPath),
                Length = length,
                Sha256 = lastSent?.Sha256 ?? throw new VeoException(VeoErrorKind.InvalidResponse,
                    "The API accepted the image '" + fullPath + "' before all of it was sent; its content is unknown, so it is not used."),
            };
            return info;
        }

        /// <summary>Streams videoUrl to a temporary file beside destinationFile and renames it into place when complete.
        /// Never sends the API key, whatever the host (the API's own included); resumes only a version the server proves.</summary>
        public Task<DownloadResult> DownloadVideoAsync(string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return InFlight(() => _downloader.DownloadAsync(videoUrl, destinationFile, overwrite, progress, cancellationToken));
        }

        /// <summary>Streams videoUrl into a sink (a blob, ...) that makes it visible only when complete; the same rules as a file.</summary>
        public Task<DownloadResult> DownloadVideoToAsync(string videoUrl, IVideoSink sink, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return InFlight(() => _downloader.DownloadToAsync(videoUrl, sink, progress, cancellationToken));
        }

        /// <summary>
        /// Closes the client: later calls throw ObjectDisposedException at once, while calls already running finish on the
        /// open connection (each bounded by its own timeouts) and the HttpClient is released when the last one ends. Aborting
        /// them would turn a request never sent into a "timeout" and a paid generation on the wire into an unknown outcome.
        /// </summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            // Waits sleeping until their next poll learn at once that there will be none.
            _closed.Cancel();
            lock (_gate)
            {
                if (_inFlight > 0) return;
            }
            _transport.Dispose();
        }

        /// <summary>Cancelled when the client is closed: long sleeps between calls (a wait's next poll) end with it.</summary>
        internal CancellationToken Closing => _closed.Token;

        public override string ToString() => "VeoClient(" + UrlRules.ShowUrl(BaseUri) + ")";

        private void ThrowIfDisposed()
        {
            lock (_gate)
            {
                if (_disposed) throw Closed();
            }
        }

        /// <summary>Runs one call while holding the transport open; refuses to start on a disposed client.</summary>
        private async Task<T> InFlight<T>(Func<Task<T>> call)
        {
            lock (_gate)
            {
                if (_disposed) throw Closed();
                _inFlight++;
            }
            try
            {
                return await call().ConfigureAwait(false);
            }
            finally
            {
                bool release;
                lock (_gate)
                {
                    release = --_inFlight == 0 && _disposed;
                }
                if (release) _transport.Dispose();
            }
        }

        private static ObjectDisposedException Closed() => new ObjectDisposedException(nameof(VeoClient), "The Veo client was closed.");

        /// <summary>
        /// The name sent with an upload: the file's own name (the provider may show it), as curl and browsers send it;
        /// MultipartFileContent escapes what a quoted parameter cannot hold.
        /// </summary>
        private static string UploadFileName(string fullPath, ImageFormat format)
        {
            string name = Path.GetFileName(fullPath);
            return string.IsNullOrEmpty(name) ? "image" + format.Extension() : name;
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
