using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Logging;
using Veo31.Core.Models;
using Veo31.Core.Text;

namespace Veo31.Core.Download
{
    /// <summary>
    /// Streams a video into a sink (a temporary file renamed into place, a blob committed at the end), resumes a broken
    /// transfer with Range only when the server proves it is the same version (If-Range, then the 206's validator and total
    /// are checked), checks the length and completes the sink: the destination is either one version of the video in full,
    /// or absent. Requests never carry
    /// the API key, whatever the host, and ask for the bytes as stored (Accept-Encoding: identity).
    /// </summary>
    internal sealed class VideoDownloader
    {
        internal const int BufferSize = 81920;
        private const int MaxRedirects = 5;

        private readonly ApiTransport _transport;

        public VideoDownloader(ApiTransport transport) => _transport = transport;

        private VeoClientOptions Options => _transport.Options;

        public Task<DownloadResult> DownloadAsync(string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
            => DownloadToAsync(videoUrl, new FileVideoSink(destinationFile, overwrite), progress, cancellationToken);

        /// <summary>Streams the video into the sink, which makes it visible only when it is complete; the hash is of the bytes written.</summary>
        public async Task<DownloadResult> DownloadToAsync(string videoUrl, IVideoSink sink,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            if (sink == null) throw new ArgumentNullException(nameof(sink));
            Uri source = UrlRules.CheckDownloadUri(videoUrl);
            using var state = new DownloadState(source);
            int attempts = 0;
            try
            {
                await sink.OpenAsync(cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await _transport.RunTransferAsync(
                        token => TransferWithResumesAsync(state, sink, progress, () => ++attempts, token), cancellationToken).ConfigureAwait(false);
                }
                catch (VeoException ex) when (ex.IsTransient && state.MostWritten > 0)
                {
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video transfer stopped after " + state.Written + " bytes (" + ex.Message.TrimEnd('.') + ").", ex)
                    { HttpStatus = ex.HttpStatus };
                }
                if (state.Total.HasValue && state.Written != state.Total.Value)
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video has " + state.Written + " bytes written; the server announced " + state.Total.Value + ".");
                // The hash of the bytes written, whatever resumes and restarts it took to write them.
                string sha256 = state.Sha256();
                await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
                return new DownloadResult { Path = sink.Location, Length = state.Written, Resumes = state.RangeRequests, Sha256 = sha256 };
            }
            catch (VeoException ex)
            {
                sink.Abandon();
                if (ex.Attempts >= attempts) throw;
                throw ex.WithAttempts(attempts);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                sink.Abandon();
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.DownloadIncomplete, "The video could not be written to '" + sink.Location + "': " + ex.Message, ex)
                { Attempts = attempts };
            }
            catch
            {
                sink.Abandon();
                throw;
            }
        }

        /// <summary>
        /// One attempt of the retry pipeline. A break after bytes were kept on a resumable version goes on at once (resuming
        /// is cheap and does not spend the retry budget); any other transient failure goes back to the pipeline.
        /// </summary>
        private async Task TransferWithResumesAsync(DownloadState state, IVideoSink sink, IProgress<TransferProgress>? progress,
            Func<int> countAttempt, CancellationToken cancellationToken)
        {
            int maxResumes = Math.Max(0, Options.MaxRetryCount) + 3;
            while (true)
            {
                countAttempt();
                long before = state.Written;
                try
                {
                    await TransferOnceAsync(state, sink, progress, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (VeoException ex) when (ex.IsTransient && state.Written > before && state.CanResume)
                {
                    if (++state.Resumes > maxResumes)
                        throw new VeoException(VeoErrorKind.DownloadIncomplete,
                            "The video transfer broke " + state.Resumes + " times; " + state.Written + " bytes received.", ex);
                }
            }
        }

        private async Task TransferOnceAsync(DownloadState state, IVideoSink sink, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            // Bytes of a version the server cannot prove again are not continued: start over rather than splice.
            if (state.Written > 0 && !state.CanResume) state.Restart(sink);
            Uri current = state.Source;
            for (int redirects = 0; ; redirects++)
            {
                using var watch = new AttemptWatch(cancellationToken, Options.AttemptTimeout);
                try
                {
                    using HttpRequestMessage request = CreateRequest(current, state, countRange: redirects == 0);
                    var started = System.Diagnostics.Stopwatch.StartNew();
                    using HttpResponseMessage response = await _transport.Http
                        .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watch.Token).ConfigureAwait(false);
                    int status = (int)response.StatusCode;
                    // Stryker disable once all : log wording (what a log line may carry is LogRedactor's rule)
                    VeoLogWriter.Verbose("GET " + current.AbsolutePath + " -> " + status + (state.Written > 0 ? " (resume at " + state.Written + ")" : "") +
                                         " (" + started.ElapsedMilliseconds + " ms)");
                    VeoLogWriter.Debug(() => "Download response headers: " + LogRedactor.Headers(response.Headers, response.Content?.Headers));

                    if (status >= 300 && status < 400 && response.Headers.Location != null)
                    {
                        current = NextRedirect(current, response.Headers.Location, redirects);
                        continue;
                    }
                    if (!PrepareForBody(state, sink, response, status))
                        return; // 416 on a transfer already complete
                    await CopyBodyAsync(state, sink, response, watch, progress).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException ex)
                {
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.Timeout, "The video download stalled for " + VeoErrors.Seconds(watch.Limit) + " s.", ex)
                    { IsTransient = true };
                }
                catch (HttpRequestException ex)
                {
                    // Stryker disable once String : message wording
                    throw VeoErrors.ConnectionFailed("The video download", ex, ConnectFailureDetector.ConnectionNeverOpened(ex));
                }
            }
        }

        /// <summary>A download request: never the key (whatever the host), identity encoding, and a provable range when resuming.</summary>
        private static HttpRequestMessage CreateRequest(Uri uri, DownloadState state, bool countRange)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            ContentCodings.AcceptIdentityOnly(request);
            if (state.Written > 0)
            {
                request.Headers.Range = new RangeHeaderValue(state.Written, null);
                request.Headers.IfRange = state.ETag != null
                    ? new RangeConditionHeaderValue(new EntityTagHeaderValue(state.ETag))
                    : new RangeConditionHeaderValue(state.LastModified!.Value);
                if (countRange) state.RangeRequests++;
            }
            return request;
        }

        private Uri NextRedirect(Uri current, Uri location, int redirectsSoFar)
        {
            if (redirectsSoFar >= MaxRedirects)
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The video URL redirected more than " + MaxRedirects + " times.");
            Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
            UrlRules.CheckTransferUri(next, "redirect target");
            if (UrlRules.IsHttps(current) && UrlRules.IsHttp(next))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The video URL redirected from https to plain http; refused.");
            return next;
        }

        /// <summary>Checks the status and lines the file up with what the body will contain; false when nothing is left to read.</summary>
        private static bool PrepareForBody(DownloadState state, IVideoSink sink, HttpResponseMessage response, int status)
        {
            switch (status)
            {
                case 200:
                    // The whole file: a new version (If-Range did not match) or the Range was ignored. Write it from zero.
                    if (state.Written > 0) state.Restart(sink);
                    BeginVersion(state, response);
                    return true;
                case 206:
                    string? mismatch = state.Written == 0 ? "a range that was not asked for" : VersionMismatch(state, response);
                    if (mismatch != null)
                    {
                        state.Restart(sink);
                        // Stryker disable once String : message wording
                        throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server answered the resume with " + mismatch + "; restarting from the beginning.")
                        { HttpStatus = 206, IsTransient = true };
                    }
                    return true;
                case 416:
                    ContentRangeHeaderValue? unsatisfied = response.Content?.Headers.ContentRange;
                    if (state.Total.HasValue && state.Written == state.Total.Value && (unsatisfied?.Length ?? state.Total) == state.Total)
                        return false;
                    state.Restart(sink);
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server refused the resume range; restarting.")
                    { HttpStatus = 416, IsTransient = true };
                default:
                    VeoException error = VeoErrors.FromHttpStatus(status, RetryAfterParser.Read(response, DateTimeOffset.UtcNow));
                    throw new VeoException(error.Kind, "The video download failed: HTTP " + status + ".")
                    { HttpStatus = status, RetryAfter = error.RetryAfter, IsTransient = error.IsTransient && status != 401 && status != 403 };
            }
        }

        /// <summary>Remembers what identifies the version a 200 starts: its validators, its length and its coding.</summary>
        private static void BeginVersion(DownloadState state, HttpResponseMessage response)
        {
            BodyCoding coding = ContentCodings.Of(response.Content, out string name);
            if (coding == BodyCoding.Unsupported)
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.InvalidResponse,
                    "The video server sent the video with Content-Encoding '" + ServerText.Message(name) +
                    "' although it was asked for the bytes as stored (identity); that coding cannot be decoded, so the video was not saved.")
                { HttpStatus = 200 };
            state.Encoded = coding == BodyCoding.Gzip;
            state.Total = state.Encoded ? null : response.Content?.Headers.ContentLength;
            // A body that ends when the connection closes (no length, not chunked) cannot show it was cut short:
            // its end is checked against the MP4's own box sizes instead.
            state.LengthUnprovable = !state.Encoded && state.Total == null && response.Headers.TransferEncodingChunked != true;
            state.ETag = StrongETag(response);
            state.LastModified = StrongLastModified(response);
        }

        /// <summary>
        /// Last-Modified proves a version only when the answer was made at least a second later (RFC 9110 13.1.5):
        /// otherwise the file may change again within that second, with the same date.
        /// </summary>
        private static DateTimeOffset? StrongLastModified(HttpResponseMessage response)
        {
            DateTimeOffset? modified = response.Content?.Headers.LastModified;
            DateTimeOffset? date = response.Headers.Date;
            return modified.HasValue && date.HasValue && date.Value >= modified.Value.AddSeconds(1) ? modified : null;
        }

        /// <summary>Null when a 206 continues the version on disk; otherwise what differs (CDNs that ignore If-Range exist).</summary>
        private static string? VersionMismatch(DownloadState state, HttpResponseMessage response)
        {
            if (ContentCodings.Of(response.Content, out _) != BodyCoding.Identity) return "an encoded body";
            ContentRangeHeaderValue? range = response.Content?.Headers.ContentRange;
            if (range == null || !range.HasRange || range.From != state.Written) return "the wrong range";
            if (!range.HasLength || range.Length != state.Total)
                return "another total length (" + (range.HasLength ? range.Length!.Value.ToString(CultureInfo.InvariantCulture) : "unknown") +
                       " instead of " + state.Total + ")";
            if (state.ETag != null)
                return StrongETag(response) == state.ETag ? null : "another version of the file (its ETag changed)";
            return response.Content?.Headers.LastModified == state.LastModified ? null : "another version of the file (its Last-Modified changed)";
        }

        private async Task CopyBodyAsync(DownloadState state, IVideoSink sink, HttpResponseMessage response, AttemptWatch watch,
            IProgress<TransferProgress>? progress)
        {
            if (response.Content == null) return;
            var buffer = new byte[BufferSize];
            progress?.Report(new TransferProgress(state.Written, state.Total));
            Stream raw = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            // A server that encodes the video anyway: decode it and prove it complete (CheckedGzipStream checks the trailer).
            using Stream body = state.Encoded ? new CheckedGzipStream(raw) : raw;
            while (true)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, 0, buffer.Length, watch.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is HttpRequestException)
                {
                    // Stryker disable once String : message wording
                    throw VeoErrors.ConnectionFailed("The video download", ex, neverSent: false);
                }
                catch (InvalidDataException ex)
                {
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video was sent gzip-encoded and its data is corrupt or cut short (" + ex.Message.TrimEnd('.') + ").", ex)
                    { IsTransient = true };
                }
                if (read == 0) break;
                if (state.Total.HasValue && state.Written + read > state.Total.Value)
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server sent more bytes than it announced (" + state.Total.Value + ").");
                if (state.Written + read > Options.MaxVideoBytes)
                    // Stryker disable once String : message wording
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video is larger than MaxVideoBytes (" + Options.MaxVideoBytes + " bytes); a body that never ends is not saved.");
                // A slow destination (a block staged to storage) is not a stalled download.
                watch.Rearm();
                await sink.WriteAsync(buffer, 0, read, watch.Token).ConfigureAwait(false);
                state.Accepted(buffer, 0, read);
                watch.Rearm();
                progress?.Report(new TransferProgress(state.Written, state.Total));
            }
            if (state.Total.HasValue && state.Written < state.Total.Value)
                // Stryker disable once String : message wording
                throw VeoErrors.ConnectionFailed("The video download",
                    new IOException("The transfer ended after " + state.Written + " of " + state.Total.Value + " bytes."), neverSent: false);
            if (state.LengthUnprovable && !state.Layout.SpansExactly)
            {
                state.Restart(sink);
                // Stryker disable once String : message wording
                throw VeoErrors.ConnectionFailed("The video download",
                    new IOException("The connection closed after " + state.Written + " bytes, before the end the video's own layout announces."), neverSent: false);
            }
        }

        private static string? StrongETag(HttpResponseMessage response)
        {
            EntityTagHeaderValue? etag = response.Headers.ETag;
            return etag != null && !etag.IsWeak ? etag.Tag : null;
        }
    }
}
