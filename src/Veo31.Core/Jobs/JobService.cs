using System;
using System.Threading;
using System.Threading.Tasks;
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
            try
            {
                Spending.Reserve();
            }
            catch (VeoException ex)
            {
                return Task.FromResult(new SubmitResult(null, ex, null));
            }
            return SubmitReservedAsync(request, cancellationToken);
        }

        private async Task<SubmitResult> SubmitReservedAsync(GenerateVideoRequest request, CancellationToken cancellationToken)
        {
            bool charged = false;
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
                    return new SubmitResult(null, ex, lostRecord);
                }
                catch (VeoException ex)
                {
                    return new SubmitResult(null, ex, null);
                }
                charged = true;
                VeoException? journalError = TryJournal(() => Journal.RecordSubmitted(job, request));
                return new SubmitResult(job, null, journalError);
            }
            finally
            {
                Spending.Settle(charged);
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
        }
    }
}
