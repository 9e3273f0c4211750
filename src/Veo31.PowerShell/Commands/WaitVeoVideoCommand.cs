using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Waits for every piped video at once and writes each as soon as it completes. The provider documents no
    /// webhook, so completion is found by polling each job, no more often than -PollIntervalSec. A failed
    /// generation is a non-terminating GenerationFailed error with the video as its target.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "VeoVideo", DefaultParameterSetName = VideoSet)]
    [OutputType(typeof(VeoVideo))]
    public sealed class WaitVeoVideoCommand : VeoVideoInputCmdlet
    {
        private const int ParentActivityId = 0x5657; // "VW"
        private const int MaxPollsInFlight = 16;
        private const int MaxConsecutivePollFailures = 3;
        private static readonly TimeSpan PumpSlice = TimeSpan.FromMilliseconds(250);

        private readonly List<WaitedVideo> _videos = new List<WaitedVideo>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private readonly CancellationTokenSource _pollers = new CancellationTokenSource();
        private SemaphoreSlim? _pollSlots;
        private CancellationTokenSource? _linked;
        private int _finished;

        /// <summary>Seconds between two status requests for one video (the provider asks for 5 to 10).</summary>
        [Parameter]
        [ValidateRange(0.05, 3600.0)]
        public double PollIntervalSec { get; set; } = 5;

        /// <summary>Seconds to wait in all; 0 waits without limit. Unfinished videos then get a Timeout error each.</summary>
        [Parameter]
        [ValidateRange(0.0, 31_536_000.0)]
        public double TimeoutSec { get; set; }

        protected override void Begin()
        {
            _pollSlots = new SemaphoreSlim(MaxPollsInFlight);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(StopToken, _pollers.Token);
        }

        protected override void Process()
        {
            foreach (VeoVideo video in InputVideos()) Add(video);
            // Polling starts as videos arrive, so work done while upstream is still busy is not wasted.
            Dispatcher.RunPending();
        }

        protected override void End()
        {
            Stopwatch clock = Stopwatch.StartNew();
            TimeSpan? limit = TimeSpan.FromSeconds(TimeoutSec) > TimeSpan.Zero ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;
            try
            {
                while (_finished < _videos.Count)
                {
                    TimeSpan slice = PumpSlice;
                    if (limit.HasValue)
                    {
                        TimeSpan left = limit.Value - clock.Elapsed;
                        if (left <= TimeSpan.Zero)
                        {
                            ReportTimeout(limit.Value);
                            break;
                        }
                        if (left < slice) slice = left;
                    }
                    Dispatcher.RunOne(slice, StopToken);
                }
            }
            finally
            {
                _pollers.Cancel();
            }
            WriteProgress(new ProgressRecord(ParentActivityId, ParentActivity(), "Done") { RecordType = ProgressRecordType.Completed });
        }

        private void Add(VeoVideo video)
        {
            if (!_seen.Add(video.Uuid)) return;
            var waited = new WaitedVideo(video, ParentActivityId + 1 + _videos.Count);
            _videos.Add(waited);
            if (video.Status == VeoVideoStatus.Completed && !string.IsNullOrEmpty(video.VideoUrl))
            {
                Finish(waited, video);
                return;
            }
            if (video.Status == VeoVideoStatus.Failed)
            {
                Finish(waited, video);
                return;
            }
            var client = ActiveSession.Client;
            CancellationToken token = _linked!.Token;
            TimeSpan firstDelay = FirstPollDelay(video);
            StartAsync(_ => PollUntilFinishedAsync(waited, client, firstDelay, token), token);
        }

        /// <summary>
        /// A status fetched less than one interval ago (New-VeoVideo's answer, a fresh Get-VeoVideoStatus) counts as a
        /// poll: the first request waits for the rest of the interval, so each job costs ceil(duration/interval) polls.
        /// </summary>
        private TimeSpan FirstPollDelay(VeoVideo video)
        {
            if (video.Status == VeoVideoStatus.Unknown || !video.LastChecked.HasValue) return TimeSpan.Zero;
            TimeSpan interval = TimeSpan.FromSeconds(PollIntervalSec);
            TimeSpan age = DateTimeOffset.UtcNow - video.LastChecked.Value;
            return age >= TimeSpan.Zero && age < interval ? interval - age : TimeSpan.Zero;
        }

        /// <summary>Background poller of one video: posts every status (and every final poll failure) to the pipeline thread.</summary>
        private async Task<bool> PollUntilFinishedAsync(WaitedVideo waited, Veo31.Core.Http.VeoClient client, TimeSpan firstDelay, CancellationToken token)
        {
            TimeSpan interval = TimeSpan.FromSeconds(PollIntervalSec);
            Stopwatch clock = Stopwatch.StartNew();
            await DelayUntilAsync(clock, firstDelay, token).ConfigureAwait(false);
            int failures = 0;
            while (!token.IsCancellationRequested)
            {
                TimeSpan nextPoll = clock.Elapsed + interval;
                await _pollSlots!.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    VideoJobInfo job = await client.GetVideoStatusAsync(waited.Uuid, token).ConfigureAwait(false);
                    failures = 0;
                    Dispatcher.Post(() => OnStatus(waited, job));
                    if (job.Status == VideoStatus.Completed || job.Status == VideoStatus.Failed) return true;
                }
                catch (VeoException ex)
                {
                    bool giveUp = !IsWorthPollingAgain(ex.Kind) || ++failures >= MaxConsecutivePollFailures;
                    Dispatcher.Post(() => OnPollFailed(waited, ex, giveUp));
                    if (giveUp) return false;
                }
                catch (ObjectDisposedException)
                {
                    Dispatcher.Post(() => ThrowTerminatingError(SessionClosedRecord()));
                    return false;
                }
                catch (Exception ex) when (!(ex is OperationCanceledException))
                {
                    Dispatcher.Post(() => OnUnexpectedFailure(waited, ex));
                    return false;
                }
                finally
                {
                    _pollSlots.Release();
                }
                await DelayUntilAsync(clock, nextPoll, token).ConfigureAwait(false);
            }
            return false;
        }

        // Timers run on a coarse tick and may fire a few milliseconds early; waiting for the Stopwatch keeps every poll at
        // least one interval after the last, so a job of exactly N intervals is seen finished on poll N, not N + 1.
        private static async Task DelayUntilAsync(Stopwatch clock, TimeSpan due, CancellationToken token)
        {
            TimeSpan left;
            while ((left = due - clock.Elapsed) > TimeSpan.Zero)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), token).ConfigureAwait(false);
        }

        // Core has already retried transient failures; another poll later is still worth it for these.
        private static bool IsWorthPollingAgain(VeoErrorKind kind)
            => kind == VeoErrorKind.ServerError || kind == VeoErrorKind.ConnectionFailed || kind == VeoErrorKind.Timeout
               || kind == VeoErrorKind.RateLimited || kind == VeoErrorKind.InvalidResponse;

        private void OnStatus(WaitedVideo waited, VideoJobInfo job)
        {
            if (waited.IsFinished) return;
            VeoVideo video = VeoVideo.FromJob(job, waited.Latest);
            video.Uuid = waited.Uuid;
            RecordStatusInJournal(job);
            waited.Latest = video;
            if (video.IsFinished) Finish(waited, video);
            else WriteVideoProgress(waited);
        }

        private void OnPollFailed(WaitedVideo waited, VeoException exception, bool giveUp)
        {
            if (waited.IsFinished) return;
            if (!giveUp)
            {
                WriteVerbose("Polling " + waited.Uuid + " failed (" + exception.Kind + "): " + exception.Message + " Trying again.");
                return;
            }
            MarkFinished(waited);
            WriteItemError(exception, waited.Latest, waited.Uuid);
        }

        private void OnUnexpectedFailure(WaitedVideo waited, Exception exception)
        {
            if (waited.IsFinished) return;
            MarkFinished(waited);
            WriteError(VeoErrorRecords.Unexpected(exception, waited.Latest));
        }

        private void Finish(WaitedVideo waited, VeoVideo video)
        {
            waited.Latest = video;
            MarkFinished(waited);
            if (video.Status == VeoVideoStatus.Completed)
            {
                WriteObject(video);
                return;
            }
            string reason = string.IsNullOrEmpty(video.FailureReason) ? "the API gave no reason" : video.FailureReason!;
            var failure = new VeoException(VeoErrorKind.GenerationFailed, "The generation of video " + video.Uuid + " failed: " + reason) { Uuid = video.Uuid };
            WriteError(VeoErrorRecords.FromCore(failure, video, video.Uuid));
        }

        private void MarkFinished(WaitedVideo waited)
        {
            waited.IsFinished = true;
            _finished++;
            WriteProgress(new ProgressRecord(waited.ActivityId, Activity(waited), "Done")
            {
                ParentActivityId = ParentActivityId,
                RecordType = ProgressRecordType.Completed,
            });
            WriteParentProgress();
        }

        private void ReportTimeout(TimeSpan limit)
        {
            foreach (WaitedVideo waited in _videos)
            {
                if (waited.IsFinished) continue;
                MarkFinished(waited);
                string state = waited.Latest.Status + (waited.Latest.Progress.HasValue ? " " + waited.Latest.Progress.Value.ToString(CultureInfo.InvariantCulture) + "%" : "");
                var timeout = new VeoException(VeoErrorKind.Timeout, string.Format(CultureInfo.InvariantCulture,
                    "Wait-VeoVideo gave up after {0:0.###} s (-TimeoutSec): video {1} is still {2}. Wait again later with Get-VeoVideo -Pending | Wait-VeoVideo.",
                    limit.TotalSeconds, waited.Uuid, state)) { Uuid = waited.Uuid };
                WriteError(VeoErrorRecords.FromCore(timeout, waited.Latest, waited.Uuid));
            }
        }

        private void WriteVideoProgress(WaitedVideo waited)
        {
            VeoVideo video = waited.Latest;
            string status = video.Status + (video.Progress.HasValue ? " " + video.Progress.Value.ToString(CultureInfo.InvariantCulture) + "%" : "");
            if (status == waited.LastProgressText) return;
            waited.LastProgressText = status;
            var record = new ProgressRecord(waited.ActivityId, Activity(waited), status) { ParentActivityId = ParentActivityId };
            if (video.Progress.HasValue) record.PercentComplete = Math.Max(0, Math.Min(100, video.Progress.Value));
            if (video.EstimatedTime.HasValue) record.SecondsRemaining = Math.Max(0, video.EstimatedTime.Value);
            WriteParentProgress();
            WriteProgress(record);
        }

        private void WriteParentProgress()
        {
            int total = _videos.Count;
            var record = new ProgressRecord(ParentActivityId, ParentActivity(),
                string.Format(CultureInfo.CurrentCulture, "{0} of {1} done", _finished, total))
            {
                PercentComplete = total == 0 ? 0 : Math.Min(100, _finished * 100 / total),
            };
            WriteProgress(record);
        }

        private string ParentActivity() => "Waiting for " + _videos.Count.ToString(CultureInfo.CurrentCulture) + (_videos.Count == 1 ? " video" : " videos");

        private static string Activity(WaitedVideo waited)
        {
            string? prompt = waited.Latest.Prompt;
            if (string.IsNullOrEmpty(prompt)) return "Video " + waited.Uuid;
            return "Video " + waited.Uuid + ": " + (prompt!.Length > 40 ? prompt.Substring(0, 37) + "..." : prompt);
        }

        /// <summary>Touched only on the pipeline thread (pollers read the immutable Uuid).</summary>
        private sealed class WaitedVideo
        {
            public WaitedVideo(VeoVideo video, int activityId)
            {
                Uuid = video.Uuid;
                Latest = video;
                ActivityId = activityId;
            }

            public string Uuid { get; }
            public int ActivityId { get; }
            public VeoVideo Latest { get; set; }
            public bool IsFinished { get; set; }
            public string? LastProgressText { get; set; }
        }
    }
}
