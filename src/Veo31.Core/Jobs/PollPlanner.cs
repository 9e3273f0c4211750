using System;
using System.Collections.Generic;
using System.Linq;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// What is known of one job being waited for, in scheduler seconds. Only its own wait loop touches it.
    /// </summary>
    internal sealed class PollState
    {
        public PollState(string uuid)
        {
            Uuid = uuid;
        }

        public string Uuid { get; }
        public double? SubmittedAt { get; set; }
        /// <summary>The last time the API told us this job's status (a poll, or the answer we started from).</summary>
        public double? LastPollAt { get; set; }
        /// <summary>The time the job should be done by, from its own last answer (estimatedTime or progress rate).</summary>
        public double? OwnEstimate { get; private set; }
        public int ConsecutiveFailures { get; set; }
        public int CompletedWithoutUrl { get; set; }

        private double? _progressAt;
        private int _progress;

        /// <summary>Takes what a running job's answer says about when it will be done.</summary>
        public void Observe(VideoJobInfo job, double answeredAt)
        {
            double? byEstimate = job.EstimatedTimeSeconds.HasValue && job.EstimatedTimeSeconds.Value >= 0
                ? answeredAt + job.EstimatedTimeSeconds.Value : (double?)null;
            double? byProgress = null;
            if (job.Progress.HasValue && job.Progress.Value > 0 && job.Progress.Value < 100)
            {
                if (_progressAt.HasValue && job.Progress.Value > _progress && answeredAt > _progressAt.Value)
                {
                    double perSecond = (job.Progress.Value - _progress) / (answeredAt - _progressAt.Value);
                    byProgress = answeredAt + (100 - job.Progress.Value) / perSecond;
                }
                if (!_progressAt.HasValue || job.Progress.Value > _progress)
                {
                    _progressAt = answeredAt;
                    _progress = job.Progress.Value;
                }
            }
            // Two independent estimates: their mean halves the error of either when both are noisy.
            OwnEstimate = byEstimate.HasValue && byProgress.HasValue ? (byEstimate.Value + byProgress.Value) / 2
                : byEstimate ?? byProgress ?? OwnEstimate;
        }
    }

    /// <summary>
    /// Plans the next poll of a job from what the API said: at about the time it should be done, never sooner than the
    /// poll interval after its last poll (the provider's floor), never later than the maximum interval (the longest a
    /// finished video may go unnoticed). A job that has told nothing yet borrows what the session learned from others.
    /// </summary>
    internal static class PollPlanner
    {
        /// <summary>Estimates are rounded to whole seconds by the API; aim just past them, not just before.</summary>
        internal const double Margin = 0.25;

        public static double Next(PollState state, double now, double interval, double maxInterval, double? learnedDuration)
        {
            double last = state.LastPollAt ?? double.NegativeInfinity;
            double floor = last + interval;
            if (double.IsNegativeInfinity(last)) return now;
            double? target = state.OwnEstimate;
            if (!target.HasValue && learnedDuration.HasValue && state.SubmittedAt.HasValue)
                target = state.SubmittedAt.Value + learnedDuration.Value;
            double next = target.HasValue ? Math.Min(Math.Max(target.Value + Margin, floor), last + Math.Max(maxInterval, interval)) : floor;
            return Math.Max(next, now);
        }
    }

    /// <summary>
    /// What the session's jobs taught it about how long a generation takes (submission to done), so a job just submitted
    /// can be polled near its end instead of every interval. Only a consistent lesson is lent: at least three estimates
    /// whose middle half lies within a factor of 1.5; a batch of very different jobs lends nothing and each job is
    /// polled by its own estimate. While fewer than three are known, one job at a time polls first (the probe) and the
    /// others wait for its answer rather than all asking the same question at once.
    /// </summary>
    internal sealed class DurationLearner
    {
        private const int MaxSamples = 32;
        internal const int SamplesToLend = 3;
        internal const double MaxSpread = 1.5;
        private readonly object _gate = new object();
        private readonly Queue<double> _samples = new Queue<double>();
        private bool _probing;
        private bool _probeTaughtNothing;
        private System.Threading.Tasks.TaskCompletionSource<bool> _probeDone = NewSignal();

        /// <summary>The median of recent durations when they agree, else null.</summary>
        public double? Duration
        {
            get
            {
                lock (_gate)
                {
                    if (_samples.Count < SamplesToLend) return null;
                    double[] sorted = _samples.OrderBy(x => x).ToArray();
                    double low = sorted[sorted.Length / 4], high = sorted[(sorted.Length * 3) / 4];
                    if (low <= 0 || high / low > MaxSpread) return null;
                    return sorted[sorted.Length / 2];
                }
            }
        }

        /// <summary>A job's own estimate of when it will be done. (When a job is seen done says little: it may have been
        /// done long before anyone asked, so completions are not learned from.)</summary>
        public void Observe(double submittedAt, double doneAt)
        {
            double duration = doneAt - submittedAt;
            if (duration <= 0 || double.IsNaN(duration) || double.IsInfinity(duration)) return;
            lock (_gate)
            {
                _samples.Enqueue(duration);
                while (_samples.Count > MaxSamples) _samples.Dequeue();
                _probeTaughtNothing = false;
            }
        }

        /// <summary>Whether a job with no hint of its own should wait for another job's first answer.</summary>
        public bool ShouldProbe(PollState state)
        {
            if (state.OwnEstimate.HasValue || !state.SubmittedAt.HasValue) return false;
            lock (_gate) return _samples.Count < SamplesToLend && !_probeTaughtNothing;
        }

        /// <summary>True: this job is the probe. False: another job is; wait for <paramref name="probeFinished"/>, taken
        /// in the same step so a probe that ends meanwhile cannot be missed.</summary>
        public bool TryBeginProbe(out System.Threading.Tasks.Task probeFinished)
        {
            lock (_gate)
            {
                probeFinished = _probeDone.Task;
                if (_probing) return false;
                _probing = true;
                return true;
            }
        }

        /// <param name="learned">True: the answer taught a duration; false: it carried no estimate; null: no answer (try again).</param>
        public void EndProbe(bool? learned)
        {
            System.Threading.Tasks.TaskCompletionSource<bool> done;
            lock (_gate)
            {
                _probing = false;
                // An answer without any estimate: nobody waits for probes again until some job gives an estimate.
                if (learned == false && _samples.Count < SamplesToLend) _probeTaughtNothing = true;
                done = _probeDone;
                _probeDone = NewSignal();
            }
            done.TrySetResult(true);
        }

        private static System.Threading.Tasks.TaskCompletionSource<bool> NewSignal()
            => new System.Threading.Tasks.TaskCompletionSource<bool>(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
