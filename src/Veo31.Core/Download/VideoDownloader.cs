using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
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
    /// Streams a video to a temporary file beside the destination, resumes a broken transfer with Range only when the server
    /// proves it is the same version (If-Range, then the 206's validator and total are checked), checks the length and
    /// renames into place: the destination is either one version of the video in full, or absent. Requests never carry
    /// the API key, whatever the host, and ask for the bytes as stored (Accept-Encoding: identity).
    /// </summary>
    internal sealed class VideoDownloader
    {
        internal const int BufferSize = 81920;
        private const int MaxRedirects = 5;

        private readonly ApiTransport _transport;

        public VideoDownloader(ApiTransport transport) => _transport = transport;

        private VeoClientOptions Options => _transport.Options;

        public async Task<DownloadResult> DownloadAsync(string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            Uri source = UrlRules.CheckDownloadUri(videoUrl, _transport.BaseUri);
            string destination = ResolveDestination(destinationFile, overwrite);
            cancellationToken.ThrowIfCancellationRequested();

            string partial = destination + ".partial-" + RandomSuffix();
            var state = new DownloadState(source);
            int attempts = 0;
            string sha256;
            try
            {
                using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true))
                {
                    try
                    {
                        await _transport.RunTransferAsync(
                            token => TransferWithResumesAsync(state, file, progress, () => ++attempts, token), cancellationToken).ConfigureAwait(false);
                    }
                    catch (VeoException ex) when (ex.IsTransient && state.MostWritten > 0)
                    {
                        throw new VeoException(VeoErrorKind.DownloadIncomplete,
                            "The video transfer stopped after " + state.Written + " bytes (" + ex.Message.TrimEnd('.') + ").", ex)
                        { HttpStatus = ex.HttpStatus };
                    }
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (state.Total.HasValue && file.Length != state.Total.Value)
                        throw new VeoException(VeoErrorKind.DownloadIncomplete,
                            "The video has " + file.Length + " bytes on disk; the server announced " + state.Total.Value + ".");
                    // Read back from the file this stream holds exclusively: the hash of the bytes on disk, whatever
                    // resumes and restarts it took to write them.
                    file.Position = 0;
                    sha256 = await Files.Sha256Hex.OfStreamAsync(file, cancellationToken).ConfigureAwait(false);
                }
                MoveIntoPlace(partial, destination, overwrite);
                return new DownloadResult { Path = destination, Length = state.Written, Resumes = state.RangeRequests, Sha256 = sha256 };
            }
            catch (VeoException ex)
            {
                ex.Attempts = Math.Max(ex.Attempts, attempts);
                TryDelete(partial);
                throw;
            }
            catch (OperationCanceledException)
            {
                TryDelete(partial);
                throw;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                TryDelete(partial);
                throw new VeoException(VeoErrorKind.DownloadIncomplete, "The video could not be written to '" + destination + "': " + ex.Message, ex)
                { Attempts = attempts };
            }
            catch
            {
                TryDelete(partial);
                throw;
            }
        }

        /// <summary>
        /// One attempt of the retry pipeline. A break after bytes were kept on a resumable version goes on at once (resuming
        /// is cheap and does not spend the retry budget); any other transient failure goes back to the pipeline.
        /// </summary>
        private async Task TransferWithResumesAsync(DownloadState state, FileStream file, IProgress<TransferProgress>? progress,
            Func<int> countAttempt, CancellationToken cancellationToken)
        {
            int maxResumes = Math.Max(0, Options.MaxRetryCount) + 3;
            while (true)
            {
                countAttempt();
                long before = state.Written;
                try
                {
                    await TransferOnceAsync(state, file, progress, cancellationToken).ConfigureAwait(false);
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

        private async Task TransferOnceAsync(DownloadState state, FileStream file, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            // Bytes of a version the server cannot prove again are not continued: start over rather than splice.
            if (state.Written > 0 && !state.CanResume) state.Restart(file);
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
                    VeoLogWriter.Verbose("GET " + current.AbsolutePath + " -> " + status + (state.Written > 0 ? " (resume at " + state.Written + ")" : "") +
                                         " (" + started.ElapsedMilliseconds + " ms)");
                    VeoLogWriter.Debug(() => "Download response headers: " + LogRedactor.Headers(response.Headers, response.Content?.Headers));

                    if (status >= 300 && status < 400 && response.Headers.Location != null)
                    {
                        current = NextRedirect(current, response.Headers.Location, redirects);
                        continue;
                    }
                    if (!PrepareForBody(state, file, response, status))
                        return; // 416 on a transfer already complete
                    await CopyBodyAsync(state, file, response, watch, progress).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException ex)
                {
                    throw new VeoException(VeoErrorKind.Timeout, "The video download stalled for " + ApiTransport.Seconds(watch.Limit) + " s.", ex)
                    { IsTransient = true };
                }
                catch (HttpRequestException ex)
                {
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
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The video URL redirected more than " + MaxRedirects + " times.");
            Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
            UrlRules.CheckTransferUri(next, _transport.BaseUri, "redirect target");
            if (UrlRules.IsHttps(current) && UrlRules.IsHttp(next))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The video URL redirected from https to plain http; refused.");
            return next;
        }

        /// <summary>Checks the status and lines the file up with what the body will contain; false when nothing is left to read.</summary>
        private static bool PrepareForBody(DownloadState state, FileStream file, HttpResponseMessage response, int status)
        {
            switch (status)
            {
                case 200:
                    // The whole file: a new version (If-Range did not match) or the Range was ignored. Write it from zero.
                    if (state.Written > 0) state.Restart(file);
                    BeginVersion(state, response);
                    return true;
                case 206:
                    string? mismatch = state.Written == 0 ? "a range that was not asked for" : VersionMismatch(state, response);
                    if (mismatch != null)
                    {
                        state.Restart(file);
                        throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server answered the resume with " + mismatch + "; restarting from the beginning.")
                        { HttpStatus = 206, IsTransient = true };
                    }
                    return true;
                case 416:
                    ContentRangeHeaderValue? unsatisfied = response.Content?.Headers.ContentRange;
                    if (state.Total.HasValue && state.Written == state.Total.Value && (unsatisfied?.Length ?? state.Total) == state.Total)
                        return false;
                    state.Restart(file);
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

        private async Task CopyBodyAsync(DownloadState state, FileStream file, HttpResponseMessage response, AttemptWatch watch,
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
                    throw VeoErrors.ConnectionFailed("The video download", ex, neverSent: false);
                }
                catch (InvalidDataException ex)
                {
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video was sent gzip-encoded and its data is corrupt or cut short (" + ex.Message.TrimEnd('.') + ").", ex)
                    { IsTransient = true };
                }
                if (read == 0) break;
                if (state.Total.HasValue && state.Written + read > state.Total.Value)
                    throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server sent more bytes than it announced (" + state.Total.Value + ").");
                if (state.Written + read > Options.MaxVideoBytes)
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video is larger than MaxVideoBytes (" + Options.MaxVideoBytes + " bytes); a body that never ends is not saved.");
                await file.WriteAsync(buffer, 0, read, watch.Token).ConfigureAwait(false);
                state.Written += read;
                state.MostWritten = Math.Max(state.MostWritten, state.Written);
                watch.Rearm();
                progress?.Report(new TransferProgress(state.Written, state.Total));
            }
            if (state.Total.HasValue && state.Written < state.Total.Value)
                throw VeoErrors.ConnectionFailed("The video download",
                    new IOException("The transfer ended after " + state.Written + " of " + state.Total.Value + " bytes."), neverSent: false);
            if (state.LengthUnprovable && !await Mp4Layout.SpansExactlyAsync(file, state.Written).ConfigureAwait(false))
            {
                state.Restart(file);
                throw VeoErrors.ConnectionFailed("The video download",
                    new IOException("The connection closed after " + state.Written + " bytes, before the end the video's own layout announces."), neverSent: false);
            }
        }

        private static string? StrongETag(HttpResponseMessage response)
        {
            EntityTagHeaderValue? etag = response.Headers.ETag;
            return etag != null && !etag.IsWeak ? etag.Tag : null;
        }

        private static string ResolveDestination(string destinationFile, bool overwrite)
        {
            if (string.IsNullOrWhiteSpace(destinationFile))
                throw new VeoException(VeoErrorKind.UnsafePath, "A destination file is required.");
            string full;
            try
            {
                full = Path.GetFullPath(destinationFile);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is System.Security.SecurityException)
            {
                throw new VeoException(VeoErrorKind.UnsafePath, "The destination '" + destinationFile + "' is not a valid path.", ex);
            }
            if (Directory.Exists(full))
                throw new VeoException(VeoErrorKind.UnsafePath, "The destination '" + full + "' is a folder; give a file name.");
            if (!overwrite && File.Exists(full))
                throw new VeoException(VeoErrorKind.FileExists, "The file '" + full + "' already exists; use overwrite (-Force) to replace it.");
            string? directory = Path.GetDirectoryName(full);
            try
            {
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new VeoException(VeoErrorKind.UnsafePath, "The folder '" + directory + "' cannot be created: " + ex.Message, ex);
            }
            return full;
        }

        private static void MoveIntoPlace(string partial, string destination, bool overwrite)
        {
            try
            {
                AtomicFileMove.Move(partial, destination, overwrite);
            }
            catch (IOException ex) when (!overwrite && File.Exists(destination))
            {
                throw new VeoException(VeoErrorKind.FileExists, "The file '" + destination + "' appeared while the video was downloading; it was not replaced.", ex);
            }
        }

        private static string RandomSuffix()
        {
            var bytes = new byte[4];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception) { /* best effort: the partial is named so it is recognisable */ }
        }
    }
}
