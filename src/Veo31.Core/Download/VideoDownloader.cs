using System;
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
using Veo31.Core.Resilience;

namespace Veo31.Core.Download
{
    /// <summary>
    /// Streams a video to a temporary file beside the destination, resumes a broken transfer with Range, checks the
    /// length and renames into place: the destination is either complete or absent.
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
            try
            {
                using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true))
                {
                    await TransferWithResumeAsync(state, file, progress, () => ++attempts, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (state.Total.HasValue && file.Length != state.Total.Value)
                        throw new VeoException(VeoErrorKind.DownloadIncomplete,
                            "The video has " + file.Length + " bytes on disk; the server announced " + state.Total.Value + ".");
                }
                MoveIntoPlace(partial, destination, overwrite);
                return new DownloadResult { Path = destination, Length = state.Written, Resumes = state.RangeRequests };
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

        private async Task TransferWithResumeAsync(DownloadState state, FileStream file, IProgress<TransferProgress>? progress,
            Func<int> countAttempt, CancellationToken cancellationToken)
        {
            _transport.Budget.RecordCall();
            int maxResumes = Math.Max(0, Options.MaxRetryCount) + 3;
            int resumes = 0;
            int failuresWithoutProgress = 0;
            while (true)
            {
                countAttempt();
                long before = state.Written;
                VeoException failure;
                try
                {
                    await TransferOnceAsync(state, file, progress, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (VeoException ex) when (ex.IsTransient)
                {
                    failure = ex;
                }

                if (state.Written > before)
                {
                    // Progress was made: resuming is cheap and does not spend the retry budget.
                    if (++resumes > maxResumes)
                        throw new VeoException(VeoErrorKind.DownloadIncomplete,
                            "The video transfer broke " + resumes + " times; " + state.Written + " bytes received.", failure);
                    failuresWithoutProgress = 0;
                }
                else if (++failuresWithoutProgress > Options.MaxRetryCount || !_transport.Budget.TryWithdrawRetry())
                {
                    if (state.Written == 0 && resumes == 0) throw failure;
                    throw new VeoException(VeoErrorKind.DownloadIncomplete,
                        "The video transfer stopped after " + state.Written + " bytes (" + failure.Message.TrimEnd('.') + ").", failure)
                    { HttpStatus = failure.HttpStatus };
                }
                TimeSpan delay = RetryDelays.Next(failuresWithoutProgress, Options.RetryBaseDelay, Options.RetryMaxDelay,
                    failure.RetryAfter, Options.MaxRetryAfter);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task TransferOnceAsync(DownloadState state, FileStream file, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            Uri current = state.Source;
            for (int redirects = 0; ; redirects++)
            {
                using var watch = new AttemptWatch(cancellationToken, Options.AttemptTimeout);
                try
                {
                    using HttpRequestMessage request = redirects == 0
                        ? _transport.CreateRequest(HttpMethod.Get, current, null)
                        : new HttpRequestMessage(HttpMethod.Get, current); // a redirect never carries the key
                    if (state.Written > 0)
                    {
                        request.Headers.Range = new RangeHeaderValue(state.Written, null);
                        if (state.ETag != null) request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue(state.ETag));
                        state.RangeRequests++;
                    }

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
                    if (state.Written > 0)
                    {
                        // The server sent the whole file (Range ignored or If-Range mismatch): start over.
                        file.SetLength(0);
                        file.Position = 0;
                        state.Written = 0;
                    }
                    state.Total = response.Content?.Headers.ContentLength;
                    state.ETag = StrongETag(response);
                    return true;
                case 206:
                    ContentRangeHeaderValue? range = response.Content?.Headers.ContentRange;
                    if (range == null || range.From != state.Written)
                    {
                        file.SetLength(0);
                        file.Position = 0;
                        state.Written = 0;
                        throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server answered a resume with the wrong range; restarting.")
                        { HttpStatus = 206, IsTransient = true };
                    }
                    if (range.HasLength) state.Total = range.Length;
                    state.ETag ??= StrongETag(response);
                    return true;
                case 416:
                    if (state.Total.HasValue && state.Written == state.Total.Value) return false;
                    file.SetLength(0);
                    file.Position = 0;
                    state.Written = 0;
                    throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server refused the resume range; restarting.")
                    { HttpStatus = 416, IsTransient = true };
                default:
                    VeoException error = VeoErrors.FromHttpStatus(status, RetryAfterParser.Read(response, DateTimeOffset.UtcNow));
                    throw new VeoException(error.Kind, "The video download failed: HTTP " + status + ".")
                    { HttpStatus = status, RetryAfter = error.RetryAfter, IsTransient = error.IsTransient && status != 401 && status != 403 };
            }
        }

        private async Task CopyBodyAsync(DownloadState state, FileStream file, HttpResponseMessage response, AttemptWatch watch,
            IProgress<TransferProgress>? progress)
        {
            if (response.Content == null) return;
            var buffer = new byte[BufferSize];
            progress?.Report(new TransferProgress(state.Written, state.Total));
            using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
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
                if (read == 0) break;
                if (state.Total.HasValue && state.Written + read > state.Total.Value)
                    throw new VeoException(VeoErrorKind.DownloadIncomplete, "The server sent more bytes than it announced (" + state.Total.Value + ").");
                await file.WriteAsync(buffer, 0, read, watch.Token).ConfigureAwait(false);
                state.Written += read;
                watch.Rearm();
                progress?.Report(new TransferProgress(state.Written, state.Total));
            }
            if (state.Total.HasValue && state.Written < state.Total.Value)
                throw VeoErrors.ConnectionFailed("The video download",
                    new IOException("The transfer ended after " + state.Written + " of " + state.Total.Value + " bytes."), neverSent: false);
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
