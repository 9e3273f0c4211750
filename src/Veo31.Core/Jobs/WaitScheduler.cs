using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// One per session: every wait of the session polls through it. Each job's next poll is planned from what the API
    /// said (<see cref="PollPlanner"/>); every call waits for the session's rate control; a poll holds one of a few
    /// slots only while its single request is on the wire, never through a back-off. A rate-limit answer never counts
    /// toward giving up: only the caller's timeout, a permanent answer or repeated failures end a job's wait.
    /// </summary>
    internal sealed class WaitScheduler
    {
        internal const int MaxPollsInFlight = 4;

        private readonly VeoClient _client;
        private readonly SemaphoreSlim _slots = new SemaphoreSlim(MaxPollsInFlight);
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public WaitScheduler(VeoClient client)
        {
            _client = client;
        }

        internal DurationLearner Learner { get; } = new DurationLearner();

        /// <summary>Polls until the job is finished; returns the completed job or throws why it is not.</summary>
        /// <param name="onStatus">Each fresh status of a running job, and each poll failure that will be tried again.</param>
        /// <param name="record">Called with every status fetched (the journal); returns a journal problem or null.</param>
        public async Task<VideoJobInfo> WaitAsync(WaitRequest request, WaitOptions options, Action<WaitEvent> onStatus,
            Func<VideoJobInfo, VeoException?> record, CancellationToken cancellationToken)
        {
            PollState state = StartState(request);
            if (request.LastKnown != null)
            {
                if (Finished(request.LastKnown, state, options) is VideoJobInfo done) return done;
            }
            double interval = options.PollInterval.TotalSeconds;
            double maxInterval = options.MaxPollInterval.TotalSeconds;
            while (true)
            {
                double now = Now();
                double due = PollPlanner.Next(state, now, interval, maxInterval, Learner.Duration);
                if (due > now)
                {
                    // Plan again on waking: other jobs may have taught the session something meanwhile.
                    await DelayUntilAsync(due, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                bool probe = false;
                if (Learner.ShouldProbe(state))
                {
                    if (!Learner.TryBeginProbe(out Task probeFinished))
                    {
                        await WaitOrCancel(probeFinished, options.PollInterval, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    probe = true;
                }

                // Whatever happens to the probe's own poll (an answer, a failure, a failed job), the jobs waiting for it
                // must be released: null says "no answer, probe again", false "answers carry no estimate".
                bool? learned = null;
                try
                {
                    VideoJobInfo job;
                    try
                    {
                        job = await PollOnceAsync(state.Uuid, cancellationToken).ConfigureAwait(false);
                    }
                    catch (VeoException ex) when (ex.Kind == VeoErrorKind.RateLimited)
                    {
                        // "Slower", not "failed": the rate control now paces the session; ask again when it lets us.
                        continue;
                    }
                    catch (VeoException ex) when (IsWorthPollingAgain(ex))
                    {
                        if (++state.ConsecutiveFailures >= options.MaxConsecutiveFailures) throw;
                        state.LastPollAt = Now();
                        onStatus(WaitEvent.Retrying(state.Uuid, ex));
                        continue;
                    }

                    double answeredAt = Now();
                    state.ConsecutiveFailures = 0;
                    state.LastPollAt = answeredAt;
                    VeoException? journalError = record(job);
                    if (journalError != null) onStatus(WaitEvent.JournalProblem(state.Uuid, journalError));

                    // The failed status reaches the caller before the failure does, so the error's target shows it.
                    if (job.Status == VideoStatus.Failed) onStatus(WaitEvent.Polled(job));
                    VideoJobInfo? finished = Finished(job, state, options);
                    if (finished != null)
                    {
                        // Done at the first look teaches no duration; the others poll at their own floor.
                        learned = state.OwnEstimate.HasValue;
                        return finished;
                    }
                    state.Observe(job, answeredAt);
                    if (state.SubmittedAt.HasValue && state.OwnEstimate.HasValue) Learner.Observe(state.SubmittedAt.Value, state.OwnEstimate.Value);
                    learned = state.OwnEstimate.HasValue;
                    onStatus(WaitEvent.Polled(job));
                }
                finally
                {
                    if (probe) Learner.EndProbe(learned);
                }
            }
        }

        private PollState StartState(WaitRequest request)
        {
            double now = Now();
            var state = new PollState(request.Uuid);
            if (request.Submitted.HasValue) state.SubmittedAt = now - Age(request.Submitted.Value);
            if (request.LastKnown != null && request.LastChecked.HasValue)
            {
                double age = Age(request.LastChecked.Value);
                state.LastPollAt = now - age;
                state.Observe(request.LastKnown, now - age);
            }
            return state;
        }

        /// <summary>The job when finished well; throws when finished badly; null while it still runs.</summary>
        private static VideoJobInfo? Finished(VideoJobInfo job, PollState state, WaitOptions options)
        {
            if (job.Status == VideoStatus.Failed) throw VeoErrors.GenerationFailed(state.Uuid, job.RawStatus, job.FailureReason);
            if (JobStatusRules.IsFinished(job)) return job;
            if (JobStatusRules.IsCompletedWithoutUrl(job) && ++state.CompletedWithoutUrl > options.MaxCompletedWithoutUrl)
                throw VeoErrors.InvalidResponse("video " + state.Uuid + " was reported completed " + state.CompletedWithoutUrl + " times without a videoUrl");
            return null;
        }

        private async Task<VideoJobInfo> PollOnceAsync(string uuid, CancellationToken cancellationToken)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await _client.PollVideoStatusAsync(uuid, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
        }

        /// <summary>Failures after which another poll later may well succeed; anything else ends the wait.</summary>
        internal static bool IsWorthPollingAgain(VeoException ex)
            => ex.IsTransient || ex.Kind == VeoErrorKind.ServerError || ex.Kind == VeoErrorKind.InvalidResponse
               || ex.Kind == VeoErrorKind.ConnectionFailed || ex.Kind == VeoErrorKind.Timeout;

        private double Now() => _clock.Elapsed.TotalSeconds;

        private static double Age(DateTimeOffset at)
        {
            double age = (DateTimeOffset.UtcNow - at).TotalSeconds;
            return age < 0 ? 0 : age;
        }

        // Timers run on a coarse tick and may fire a few milliseconds early; waiting for the Stopwatch keeps every poll at
        // least one interval after the last, so a job of exactly N intervals is seen finished on poll N, not N + 1.
        private async Task DelayUntilAsync(double due, CancellationToken cancellationToken)
        {
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _client.Closing);
            double left;
            try
            {
                while ((left = due - Now()) > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left * 1000)), sleep.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The session was closed (Disconnect-Veo) while this job slept: say so now, not at its next poll.
                throw new ObjectDisposedException(nameof(VeoClient), "The Veo client was closed.");
            }
        }

        private static async Task WaitOrCancel(Task signal, TimeSpan limit, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (timeout.Token.Register(() => cancelled.TrySetResult(true)))
                await Task.WhenAny(signal, cancelled.Task).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
