using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Waits for every piped video at once and writes each as soon as it completes. The provider documents no
    /// webhook, so completion is found by polling; the session's job service plans each poll from what the API said
    /// (estimatedTime, progress, what other jobs took), no more often than -PollIntervalSec and no less often than
    /// -MaxPollIntervalSec, and paces every call to what the service accepts. A failed generation is a non-terminating
    /// GenerationFailed error with the video as its target.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "VeoVideo", DefaultParameterSetName = VideoSet)]
    [OutputType(typeof(VeoVideo))]
    public sealed class WaitVeoVideoCommand : VeoVideoInputCmdlet
    {
        private const int ParentActivityId = 0x5657; // "VW"
        private static readonly TimeSpan PumpSlice = TimeSpan.FromMilliseconds(250);

        private readonly List<WaitedVideo> _videos = new List<WaitedVideo>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly CancellationTokenSource _pollers = new CancellationTokenSource();
        private CancellationTokenSource? _linked;
        private WaitOptions? _options;
        private int _finished;

        /// <summary>The fewest seconds between two status requests for one video (the provider asks for 5 to 10).</summary>
        [Parameter]
        [ValidateRange(0.05, 3600.0)]
        public double PollIntervalSec { get; set; } = 5;

        /// <summary>The most seconds between two status requests for one video: the longest a finished video may go
        /// unnoticed when the API's estimate says it needs longer. Default 60.</summary>
        [Parameter]
        [ValidateRange(0.05, 86400.0)]
        public double MaxPollIntervalSec { get; set; } = WaitOptions.DefaultMaxPollIntervalSeconds;

        /// <summary>Seconds to wait in all; 0 waits without limit. Unfinished videos then get a Timeout error each.</summary>
        [Parameter]
        [ValidateRange(0.0, 31_536_000.0)]
        public double TimeoutSec { get; set; }

        protected override void Begin()
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(StopToken, _pollers.Token);
            _options = new WaitOptions
            {
                PollInterval = TimeSpan.FromSeconds(PollIntervalSec),
                MaxPollInterval = TimeSpan.FromSeconds(Math.Max(MaxPollIntervalSec, PollIntervalSec)),
            };
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

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing); // cancels the command's work first
            if (!disposing) return;
            _pollers.Cancel();
            // Waits still finishing hold only the token, which a disposed source leaves readable (cancelled).
            _linked?.Dispose();
            _pollers.Dispose();
        }

        private void Add(VeoVideo video)
        {
            if (!_seen.Add(video.Uuid)) return;
            var waited = new WaitedVideo(video, ParentActivityId + 1 + _videos.Count);
            _videos.Add(waited);
            if (video.IsFinished)
            {
                Finish(waited, video, null);
                return;
            }
            JobService jobs = ActiveSession.Jobs;
            WaitRequest request = video.ToWaitRequest();
            WaitOptions options = _options!;
            Task<VideoJobInfo> wait = StartAsync(token => jobs.WaitAsync(request, options, e => Dispatcher.Post(() => OnEvent(waited, e)), token), _linked!.Token);
            wait.ContinueWith(t => Dispatcher.Post(() => OnEnded(waited, t)), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void OnEvent(WaitedVideo waited, WaitEvent e)
        {
            if (waited.IsFinished) return;
            if (e.JournalError != null) WarnJournalProblem(e.JournalError, waited.Uuid);
            if (e.PollFailure != null)
                WriteVerbose("Polling " + waited.Uuid + " failed (" + e.PollFailure.Kind + "): " + e.PollFailure.Message + " Trying again.");
            if (e.Status != null)
            {
                waited.Latest = Updated(waited, e.Status);
                WriteVideoProgress(waited);
            }
        }

        private void OnEnded(WaitedVideo waited, Task<VideoJobInfo> wait)
        {
            if (waited.IsFinished || wait.IsCanceled) return;
            Exception? failure = wait.Exception?.GetBaseException();
            switch (failure)
            {
                case null:
                    Finish(waited, Updated(waited, wait.Result), null);
                    break;
                case VeoException veo when veo.Kind == VeoErrorKind.GenerationFailed:
                    Finish(waited, waited.Latest, veo);
                    break;
                case VeoException veo:
                    MarkFinished(waited);
                    WriteItemError(veo, waited.Latest, waited.Uuid);
                    break;
                case OperationCanceledException _:
                    break;
                case ObjectDisposedException disposed:
                    ThrowTerminatingError(DisposedRecord(disposed, waited.Latest));
                    break;
                default:
                    MarkFinished(waited);
                    WriteError(VeoErrorRecords.Unexpected(failure, waited.Latest));
                    break;
            }
        }

        private static VeoVideo Updated(WaitedVideo waited, VideoJobInfo job)
        {
            VeoVideo video = VeoVideo.FromJob(job, waited.Latest);
            video.Uuid = waited.Uuid;
            return video;
        }

        private void Finish(WaitedVideo waited, VeoVideo video, VeoException? failure)
        {
            waited.Latest = video;
            MarkFinished(waited);
            if (failure == null && video.Status == VeoVideoStatus.Completed)
            {
                WriteObject(video);
                return;
            }
            failure ??= JobService.GenerationFailed(video.Uuid, video.RawStatus, video.FailureReason);
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
                string state = StatusWithProgress(waited.Latest);
                var timeout = new VeoException(VeoErrorKind.Timeout, string.Format(CultureInfo.InvariantCulture,
                    "Wait-VeoVideo gave up after {0:0.###} s (-TimeoutSec): video {1} is still {2}. Wait again later with Get-VeoVideo -Pending | Wait-VeoVideo.",
                    limit.TotalSeconds, waited.Uuid, state)) { Uuid = waited.Uuid };
                WriteError(VeoErrorRecords.FromCore(timeout, waited.Latest, waited.Uuid));
            }
        }

        /// <summary>"Processing 40%": the status as the API said it, and the progress when known.</summary>
        private static string StatusWithProgress(VeoVideo video)
            => video.StatusText + (video.Progress.HasValue ? " " + video.Progress.Value.ToString(CultureInfo.InvariantCulture) + "%" : "");

        private void WriteVideoProgress(WaitedVideo waited)
        {
            VeoVideo video = waited.Latest;
            string status = StatusWithProgress(video);
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
            return "Video " + waited.Uuid + ": " + Core.Text.ServerText.Shorten(prompt, 40);
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
