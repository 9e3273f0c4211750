using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Veo31.Core.Errors;
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

        // One monitor per journal file for the whole process, so threads queue here instead of spinning on the lock file.
        private static readonly ConcurrentDictionary<string, object> WriteLocks =
            new ConcurrentDictionary<string, object>(System.IO.Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

        private readonly object _writeLock;

        public JobJournal(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new VeoException(VeoErrorKind.UnsafePath, "A journal path is required.");
            Path = System.IO.Path.GetFullPath(path);
            _writeLock = WriteLocks.GetOrAdd(Path, _ => new object());
        }

        public string Path { get; }

        /// <summary>How long a writer waits for another process to release the journal lock.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>$env:VEO_JOURNAL, else LocalApplicationData/Veo31/journal.jsonl.</summary>
        public static string DefaultPath
        {
            get
            {
                string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
                if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment!;
                string localData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                if (string.IsNullOrEmpty(localData)) localData = System.IO.Path.GetTempPath();
                return System.IO.Path.Combine(localData, "Veo31", "journal.jsonl");
            }
        }

        public void RecordSubmitted(VideoJobInfo job, GenerateVideoRequest request)
        {
            if (job == null) throw new ArgumentNullException(nameof(job));
            Append(JournalRecordCodec.Submitted(job, request, DateTimeOffset.UtcNow));
        }

        public void RecordStatus(VideoJobInfo job)
        {
            if (job == null) throw new ArgumentNullException(nameof(job));
            // Not forced to disk: a status lost to a power cut is read again from the API, and an fsync per status
            // call costs more than the call itself (docs/performance.md). Submitted and saved records stay durable.
            Append(JournalRecordCodec.Status(job, DateTimeOffset.UtcNow), durable: false);
        }

        public void RecordSaved(string uuid, string savedPath)
        {
            if (string.IsNullOrEmpty(uuid)) throw new ArgumentNullException(nameof(uuid));
            Append(JournalRecordCodec.Saved(uuid, savedPath, DateTimeOffset.UtcNow));
        }

        public IReadOnlyList<JournalEntry> ReadAll()
        {
            var entries = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
            var order = new List<JournalEntry>();
            string text;
            try
            {
                using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, new UTF8Encoding(false));
                text = reader.ReadToEnd();
            }
            catch (FileNotFoundException) { return order; }
            catch (DirectoryNotFoundException) { return order; }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new VeoException(VeoErrorKind.UnsafePath, "The job journal '" + Path + "' cannot be read: " + ex.Message, ex);
            }

            foreach (string line in text.Split('\n'))
            {
                if (line.Trim().Length == 0) continue;
                JournalRecordCodec.FoldInto(line, entries, order);
            }
            return order;
        }

        private void Append(byte[] line, bool durable = true)
        {
            lock (_writeLock)
            {
                try
                {
                    string? directory = System.IO.Path.GetDirectoryName(Path);
                    if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
                    using (AcquireProcessLock())
                    using (var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
                    {
                        // A writer that died mid-line left no newline: start on a fresh line so this record stays readable.
                        if (stream.Length > 0)
                        {
                            stream.Seek(-1, SeekOrigin.End);
                            if (stream.ReadByte() != '\n') stream.WriteByte((byte)'\n');
                        }
                        stream.Seek(0, SeekOrigin.End);
                        stream.Write(line, 0, line.Length);
                        stream.Flush(durable);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new VeoException(VeoErrorKind.UnsafePath, "The job journal '" + Path + "' cannot be written: " + ex.Message, ex);
                }
            }
        }

        private FileStream AcquireProcessLock()
        {
            string lockPath = Path + ".lock";
            DateTime deadline = DateTime.UtcNow + LockTimeout;
            int delayMs = 2;
            var random = new Random();
            while (true)
            {
                try
                {
                    return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    System.Threading.Thread.Sleep(delayMs + random.Next(delayMs));
                    delayMs = Math.Min(delayMs * 2, 50);
                }
            }
        }
    }
}
