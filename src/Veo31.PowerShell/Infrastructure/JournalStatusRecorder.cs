using System;
using System.Collections.Concurrent;
using Veo31.Core.Journal;
using Veo31.Core.Models;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// Records a status in the journal only when it differs from the last one this process recorded for that uuid:
    /// every record takes the journal's inter-process lock, so writing the same status again on every poll or
    /// Get-VeoVideoStatus call would make the journal, not the network, the bottleneck.
    /// </summary>
    internal static class JournalStatusRecorder
    {
        private static readonly ConcurrentDictionary<string, string> LastRecorded = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        public static void Record(JobJournal journal, VideoJobInfo job)
        {
            string key = journal.Path + "\n" + job.Uuid;
            string state = job.Status + "\n" + job.VideoUrl + "\n" + job.FailureReason;
            if (LastRecorded.TryGetValue(key, out string? last) && last == state) return;
            journal.RecordStatus(job);
            LastRecorded[key] = state;
        }
    }
}
