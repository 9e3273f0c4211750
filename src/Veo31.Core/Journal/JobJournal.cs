using System;
using System.Collections.Generic;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// Append-only local record of every uuid the API accepted, so paid work is never lost and resumes after a
    /// restart. Safe for several processes and threads writing at once.
    /// </summary>
    public sealed class JobJournal
    {
        public const string EnvironmentVariable = "VEO_JOURNAL";

        public JobJournal(string path) => throw new NotImplementedException();

        public string Path => throw new NotImplementedException();

        /// <summary>$env:VEO_JOURNAL, else LocalApplicationData/Veo31/journal.jsonl.</summary>
        public static string DefaultPath => throw new NotImplementedException();

        public void RecordSubmitted(VideoJobInfo job, GenerateVideoRequest request) => throw new NotImplementedException();
        public void RecordStatus(VideoJobInfo job) => throw new NotImplementedException();
        public void RecordSaved(string uuid, string savedPath) => throw new NotImplementedException();
        public IReadOnlyList<JournalEntry> ReadAll() => throw new NotImplementedException();
    }
}
