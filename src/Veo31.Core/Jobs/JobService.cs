using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Journal;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// The jobs of one session: submit (generate, then a durable journal record), status (fetch, check, record only a
    /// change), wait (the session's scheduler) and save (download, then a saved record). The journal rules live here and
    /// in <see cref="JobJournal"/>; callers bind, confirm, render and map errors. A journal problem never undoes an API
    /// call that succeeded: it comes back beside the result.
    /// </summary>
    public sealed class JobService
    {
        private readonly WaitScheduler _scheduler;
        // Identical requests of this session still on the wire, so a second one waits for the first instead of paying again.
        private readonly Dictionary<string, Task<SubmitResult>> _identicalOnTheWire = new Dictionary<string, Task<SubmitResult>>(StringComparer.Ordinal);

        public JobService(VeoClient client, JobJournal journal, SpendingLimits? limits = null)
        {
            Client = client ?? throw new ArgumentNullException(nameof(client));
            Journal = journal ?? throw new ArgumentNullException(nameof(journal));
            Spending = new SpendingGuard(limits ?? SpendingLimits.None, journal);
            _scheduler = new WaitScheduler(client);
        }

        public VeoClient Client { get; }
        public JobJournal Journal { get; }
        /// <summary>The session's spending caps; every generation goes through it.</summary>
        public SpendingGuard Spending { get; }

        internal WaitScheduler Scheduler => _scheduler;

        /// <summary>
        /// Spends credits. A request already on the wire when <paramref name="cancellationToken"/> fires is allowed to finish
        /// (bounded by the client's timeouts) so its uuid is journaled; a lost answer is journaled as outcome-unknown with the
        /// request's fingerprint. Throws OperationCanceledException only when nothing was sent. A generation that would
        /// exceed a spending cap fails with QuotaExceeded before anything is sent; the caps are taken in call order.
        /// </summary>
        public Task<SubmitResult> SubmitAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            VeoException? refused = ReserveToPay();
            if (refused != null) return Task.FromResult(new SubmitResult(null, refused, null));
            return SendReservedAsync(request, cancellationToken);
        }

        /// <summary>
        /// Before anything paid is sent: the journal must be readable (else it could not record the uuid: a journal too large
        /// to read) and the spending caps must allow one more. Null when it may be sent; the refusal otherwise.
        /// </summary>
        private VeoException? ReserveToPay()
        {
            VeoException? journal = TryJournal(Journal.CheckReadable);
            if (journal != null) return journal;
            try
            {
                Spending.Reserve();
                return null;
            }
            catch (VeoException ex)
            {
                return ex;
            }
        }

        /// <summary>
        /// Like <see cref="SubmitAsync"/>, but an identical request (see <see cref="ReuseRules"/>) that the journal holds as
        /// completed or still running is returned instead, and nothing is spent; so is one of this session still on the wire,
        /// once it is accepted. A failed earlier attempt is submitted again.
        /// </summary>
        public Task<SubmitResult> SubmitOrReuseAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return ReuseOrSubmit(request, () => SubmitAsync(request, cancellationToken), cancellationToken);
        }

        // The journaled job of an identical request, or the one of this session still on the wire, or else submit().
        private Task<SubmitResult> ReuseOrSubmit(GenerateVideoRequest request, Func<Task<SubmitResult>> submit, CancellationToken cancellationToken)
        {
            string? key = ReuseRules.KeyOf(request);
            if (key == null) return submit();
            lock (_identicalOnTheWire)
            {
                // A journal that cannot be read finds nothing to reuse: the request goes to submit(), as without -Reuse
                // (which refuses to pay for a uuid the journal could not record).
                JournalEntry? known = TryRead(() => ReuseRules.FindIn(Journal.ReadAll(), request));
                if (known != null) return Task.FromResult(new SubmitResult(null, null, null, known));
                if (_identicalOnTheWire.TryGetValue(key, out Task<SubmitResult>? running))
                    return FollowAsync(running, request, submit, cancellationToken);
                Task<SubmitResult> submitted = submit();
                if (submitted.IsCompleted) return submitted;
                _identicalOnTheWire[key] = submitted;
                submitted.ContinueWith(_ => { lock (_identicalOnTheWire) _identicalOnTheWire.Remove(key); },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return submitted;
            }
        }

        /// <summary>
        /// Uploads a local image, then submits the generation (the manifest case: New-VeoVideo -ImagePath). The spending caps
        /// are taken before the upload, so a refused generation sends nothing at all. With <paramref name="reuse"/>, an
        /// identical earlier job is returned instead, matched on <see cref="GenerateVideoRequest.SourceImage"/>'s SHA-256,
        /// which the caller sets from the file beforehand (an identical one of this session still on the wire is followed, as
        /// in <see cref="SubmitOrReuseAsync"/>); the journal then records the hash of the bytes actually uploaded.
        /// </summary>
        public Task<SubmitResult> SubmitImageFileAsync(GenerateVideoRequest request, string imageFile, bool reuse,
            IProgress<TransferProgress>? uploadProgress, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (reuse) return ReuseOrSubmit(request, () => SubmitImageFileAsync(request, imageFile, false, uploadProgress, cancellationToken), cancellationToken);
            VeoException? refused = ReserveToPay();
            if (refused != null) return Task.FromResult(new SubmitResult(null, refused, null));
            return UploadThenSendAsync(request, imageFile, uploadProgress, cancellationToken);
        }

        private async Task<SubmitResult> UploadThenSendAsync(GenerateVideoRequest request, string imageFile,
            IProgress<TransferProgress>? uploadProgress, CancellationToken cancellationToken)
        {
            UploadedImageInfo image;
            try
            {
                image = await Client.UploadImageAsync(imageFile, uploadProgress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Spending.Settle(charged: false);
                if (ex is VeoException failure) return new SubmitResult(null, failure, null);
                throw;
            }
            request.ImageUrl = image.ImageUrl;
            request.ImageKey = image.ImageKey;
            request.SourceImage = image.Source ?? request.SourceImage;
            return await SendReservedAsync(request, cancellationToken).ConfigureAwait(false);
        }

        private async Task<SubmitResult> FollowAsync(Task<SubmitResult> running, GenerateVideoRequest request, Func<Task<SubmitResult>> submit,
            CancellationToken cancellationToken)
        {
            SubmitResult first;
            try
            {
                first = await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return await ReuseOrSubmit(request, submit, cancellationToken).ConfigureAwait(false);
            }
            // The identical request's answer was lost: it may have been charged and made the very video this one wants, so
            // this one is not sent either; both report the lost answer (with its fingerprint) for the user to check first.
            if (first.Job == null && first.Failure?.Kind == VeoErrorKind.GenerationOutcomeUnknown) return new SubmitResult(null, first.Failure, null);
            if (first.Job == null) return await ReuseOrSubmit(request, submit, cancellationToken).ConfigureAwait(false);
            return new SubmitResult(null, null, null, TryFind(first.Job.Uuid) ?? ReusedFromJob(first.Job, request));
        }

        private JournalEntry? TryFind(string uuid) => TryRead(() => Journal.Find(uuid));

        private static JournalEntry? TryRead(Func<JournalEntry?> read)
        {
            JournalEntry? found = null;
            TryJournal(() => found = read());
            return found;
        }

        // The journal could not be read back: the job the first request made, as the answer gave it.
        private static JournalEntry ReusedFromJob(VideoJobInfo job, GenerateVideoRequest request) => new JournalEntry
        {
            Uuid = job.Uuid,
            Prompt = request.Prompt,
            GenerationType = request.GenerationType,
            AspectRatio = request.AspectRatio,
            ImageUrl = request.ImageUrl,
            ImageKey = request.ImageKey,
            SourceImage = request.SourceImage,
            CreatedAt = job.CreatedAt,
            LastStatus = job.Status,
            Submitted = DateTimeOffset.UtcNow,
        };

        private async Task<SubmitResult> SendReservedAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
        {
            bool charged = false;
            bool journaled = true;
            try
            {
                VideoJobInfo job;
                try
                {
                    job = await Client.GenerateVideoAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (VeoException ex) when (ex.Kind == VeoErrorKind.GenerationOutcomeUnknown)
                {
                    charged = true;
                    VeoException? lostRecord = TryJournal(() => Journal.RecordOutcomeUnknown(request, ex.RequestFingerprint ?? RequestFingerprint.Of(request), ex.Message));
                    journaled = lostRecord == null;
                    return new SubmitResult(null, ex, lostRecord);
                }
                catch (VeoException ex)
                {
                    return new SubmitResult(null, ex, null);
                }
                charged = true;
                VeoException? journalError = TryJournal(() => Journal.RecordSubmitted(job, request));
                journaled = journalError == null;
                return new SubmitResult(job, null, journalError);
            }
            finally
            {
                Spending.Settle(charged, journaled);
            }
        }

        /// <summary>One status call (retried as the session allows). An unknown uuid that the journal holds is marked gone.</summary>
        public async Task<JobResult<VideoJobInfo>> GetStatusAsync(string uuid, CancellationToken cancellationToken)
        {
            VideoJobInfo job;
            try
            {
                job = await Client.GetVideoStatusAsync(uuid, cancellationToken).ConfigureAwait(false);
            }
            catch (VeoException ex) when (ex.Kind == VeoErrorKind.InvalidParameters)
            {
                MarkGoneIfJournaled(uuid, ex);
                throw;
            }
            return new JobResult<VideoJobInfo>(job, Record(job));
        }

        /// <summary>Waits for one job through the session's scheduler; many waits run at once and share it.</summary>
        public async Task<VideoJobInfo> WaitAsync(WaitRequest request, WaitOptions options, Action<WaitEvent> onEvent, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            try
            {
                return await _scheduler.WaitAsync(request, options ?? new WaitOptions(), onEvent ?? (_ => { }), Record, cancellationToken).ConfigureAwait(false);
            }
            catch (VeoException ex) when (ex.Kind == VeoErrorKind.InvalidParameters)
            {
                MarkGoneIfJournaled(request.Uuid, ex);
                throw;
            }
        }

        /// <summary>Downloads a completed job's video into place, then records where it went.</summary>
        public async Task<JobResult<DownloadResult>> SaveAsync(string uuid, string videoUrl, string destinationFile, bool overwrite,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            DownloadResult result = await Client.DownloadVideoAsync(videoUrl, destinationFile, overwrite, progress, cancellationToken).ConfigureAwait(false);
            return new JobResult<DownloadResult>(result, TryJournal(() => Journal.RecordSaved(uuid, result.Path)));
        }

        /// <summary>Streams a completed job's video into a sink (a blob), then records where it went (its location, never a secret).</summary>
        public async Task<JobResult<DownloadResult>> SaveToAsync(string uuid, string videoUrl, IVideoSink sink,
            IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        {
            DownloadResult result = await Client.DownloadVideoToAsync(videoUrl, sink, progress, cancellationToken).ConfigureAwait(false);
            return new JobResult<DownloadResult>(result, TryJournal(() => Journal.RecordSaved(uuid, result.Path)));
        }

        /// <summary>The one error for a generation that ended badly (failed, cancelled, expired, ...).</summary>
        public static VeoException GenerationFailed(string uuid, string? rawStatus, string? reason) => VeoErrors.GenerationFailed(uuid, rawStatus, reason);

        /// <summary>Records a status only when it differs from what the journal holds; returns a journal problem or null.</summary>
        private VeoException? Record(VideoJobInfo job) => TryJournal(() => Journal.RecordStatus(job));

        private void MarkGoneIfJournaled(string uuid, VeoException answer)
        {
            // Only a job this journal holds: a mistyped uuid must not appear in the journal as a job that went away.
            TryJournal(() =>
            {
                JournalEntry? known = Journal.Find(uuid);
                if (known != null && !known.IsGone) Journal.RecordGone(known.Uuid, answer.ApiMessage ?? answer.Message);
            });
        }

        // A journal problem is reported beside the answer, never instead of it: whatever a store throws, the uuid of a paid
        // job still reaches the caller.
        private static VeoException? TryJournal(Action write)
        {
            try
            {
                write();
                return null;
            }
            catch (VeoException ex)
            {
                return ex;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                return new VeoException(VeoErrorKind.StorageFailed, "The job journal failed unexpectedly: " + ex.Message, ex);
            }
        }
    }
}
