using System;
using Veo31.Core.Errors;
using Veo31.Core.Journal;
using Veo31.Core.Models;

namespace Veo31.Core.Jobs
{
    /// <summary>How one wait polls. The provider asks for a poll every 5 to 10 seconds at most.</summary>
    public sealed class WaitOptions
    {
        public const double DefaultMaxPollIntervalSeconds = 60;

        /// <summary>The floor: never two polls of one job closer than this.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The ceiling: the longest a finished video may go unnoticed, whatever the API estimated.</summary>
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(DefaultMaxPollIntervalSeconds);

        /// <summary>Failed polls in a row (server errors, timeouts, unreadable answers) that end a job's wait. Rate limits never count.</summary>
        public int MaxConsecutiveFailures { get; set; } = 12;

        /// <summary>"completed" answers without a videoUrl before the job is reported as an invalid answer.</summary>
        public int MaxCompletedWithoutUrl { get; set; } = 3;
    }

    /// <summary>A job to wait for, with what is already known of it.</summary>
    public sealed class WaitRequest
    {
        public WaitRequest(string uuid)
        {
            Uuid = uuid;
        }

        public string Uuid { get; }
        /// <summary>The last status known (from New-VeoVideo's answer, a status call or the journal).</summary>
        public VideoJobInfo? LastKnown { get; set; }
        /// <summary>When LastKnown was fetched; a status younger than the poll interval counts as a poll.</summary>
        public DateTimeOffset? LastChecked { get; set; }
        /// <summary>When the job was submitted, so what other jobs took can plan its first poll.</summary>
        public DateTimeOffset? Submitted { get; set; }
    }

    /// <summary>Something a wait reports while it runs (on a background thread: the receiver marshals it).</summary>
    public sealed class WaitEvent
    {
        private WaitEvent(string uuid)
        {
            Uuid = uuid;
        }

        public string Uuid { get; }
        /// <summary>A fresh status (of a job still running, or the failed status that is about to end the wait).</summary>
        public VideoJobInfo? Status { get; private set; }
        /// <summary>A poll failed and will be tried again (never a rate limit, which only slows the session down).</summary>
        public VeoException? PollFailure { get; private set; }
        /// <summary>The status could not be recorded in the journal; the wait goes on.</summary>
        public VeoException? JournalError { get; private set; }

        internal static WaitEvent Polled(VideoJobInfo job) => new WaitEvent(job.Uuid) { Status = job };
        internal static WaitEvent Retrying(string uuid, VeoException failure) => new WaitEvent(uuid) { PollFailure = failure };
        internal static WaitEvent JournalProblem(string uuid, VeoException error) => new WaitEvent(uuid) { JournalError = error };
    }

    /// <summary>A Core result plus a journal problem that did not stop it (the API call itself succeeded).</summary>
    public sealed class JobResult<T>
    {
        internal JobResult(T value, VeoException? journalError)
        {
            Value = value;
            JournalError = journalError;
        }

        public T Value { get; }
        public VeoException? JournalError { get; }
    }

    /// <summary>What a submission came to: a job, or a failure (outcome-unknown ones are journaled with their fingerprint).</summary>
    public sealed class SubmitResult
    {
        internal SubmitResult(VideoJobInfo? job, VeoException? failure, VeoException? journalError, JournalEntry? reused = null)
        {
            Job = job;
            Failure = failure;
            JournalError = journalError;
            Reused = reused;
        }

        /// <summary>The journaled job an identical earlier request made, returned instead of paying again (Job is null then).</summary>
        public JournalEntry? Reused { get; }
        public VideoJobInfo? Job { get; }
        public VeoException? Failure { get; }
        public VeoException? JournalError { get; }
    }
}
