using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// Append-only record of every uuid the API accepted (and every paid request whose answer was lost), so paid work is
    /// never lost and resumes after a restart. Safe for several threads and processes at once. A status is written only
    /// when it differs from what the journal already holds for that uuid, whoever wrote it; the journal compacts itself
    /// when it holds far more lines than jobs.
    /// </summary>
    public sealed class JobJournal
    {
        public const string EnvironmentVariable = "VEO_JOURNAL";
        private const int HeadBytes = 256;
        private const int EndBytes = 256;
        // Stryker disable once Boolean : the byte-order-mark flag only affects encoding, not decoding
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private const int MinLinesBeforeCompaction = 256;
        private const int LinesPerJobBeforeCompaction = 4;

        private readonly IJournalStore _store;
        private readonly object _foldLock = new object();
        private JournalFold _fold = new JournalFold();
        private byte[] _foldedHead = Array.Empty<byte>();
        private byte[] _foldedEnd = Array.Empty<byte>();
        private long _foldedLength;

        public JobJournal(string path)
            : this(new FileJournalStore(FullPath(path)))
        {
        }

        internal JobJournal(IJournalStore store)
        {
            _store = store;
        }

        /// <summary>Where the journal lives.</summary>
        public string Path => _store.Location;

        /// <summary>How long a writer waits for another process to release the journal lock.</summary>
        public TimeSpan LockTimeout
        {
            get => (_store as FileJournalStore)?.LockTimeout ?? TimeSpan.Zero;
            set { if (_store is FileJournalStore file) file.LockTimeout = value; }
        }

        /// <summary>$env:VEO_JOURNAL as given (a caller resolves a relative one), else LocalApplicationData/Veo31/journal.jsonl.</summary>
        public static string DefaultPath
        {
            get
            {
                string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
                if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment!.Trim();
                string localData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                if (string.IsNullOrEmpty(localData)) localData = System.IO.Path.GetTempPath();
                return System.IO.Path.Combine(localData, "Veo31", "journal.jsonl");
            }
        }

        public void RecordSubmitted(VideoJobInfo job, GenerateVideoRequest request)
        {
            if (job == null) throw new ArgumentNullException(nameof(job));
            Append(JournalRecordCodec.Submitted(job, request, DateTimeOffset.UtcNow), durable: true);
        }

        /// <summary>Records a status unless the journal already holds the same for that uuid; true when written.</summary>
        public bool RecordStatus(VideoJobInfo job)
        {
            if (job == null) throw new ArgumentNullException(nameof(job));
            // Checked first without the inter-process lock: re-reading an unchanged status is the common case.
            if (!Differs(Refresh(), job)) return false;
            using (_store.Lock())
            {
                if (!Differs(Refresh(), job)) return false;
                // Not forced to disk: a status lost to a power cut is read again from the API, and an fsync per status
                // costs more than the call itself. Submitted, outcome-unknown and saved records stay durable.
                AppendLocked(JournalRecordCodec.Status(job, DateTimeOffset.UtcNow), durable: false);
            }
            return true;
        }

        public void RecordSaved(string uuid, string savedPath)
        {
            if (string.IsNullOrEmpty(uuid)) throw new ArgumentNullException(nameof(uuid));
            Append(JournalRecordCodec.Saved(uuid, savedPath, DateTimeOffset.UtcNow), durable: true);
        }

        /// <summary>The API says it does not know this uuid: it leaves the pending list.</summary>
        public void RecordGone(string uuid, string reason)
        {
            if (string.IsNullOrEmpty(uuid)) throw new ArgumentNullException(nameof(uuid));
            Append(JournalRecordCodec.Gone(uuid, reason, DateTimeOffset.UtcNow), durable: true);
        }

        /// <summary>A paid request whose answer was lost: the server may have charged and started a job we cannot name.</summary>
        public void RecordOutcomeUnknown(GenerateVideoRequest request, string fingerprint, string reason)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            Append(JournalRecordCodec.OutcomeUnknown(request, fingerprint, reason, DateTimeOffset.UtcNow), durable: true);
        }

        /// <summary>
        /// Reads, under the lock, what was recorded since the last look, so a journal that cannot be read or locked (too
        /// large, not readable, its folder cannot be made) is a VeoException before a paid request is sent whose uuid it
        /// could not record.
        /// </summary>
        public void CheckReadable()
        {
            // Under the lock, as the record will be: a folder that cannot be made fails here too, not only after paying.
            using (_store.Lock())
                Refresh();
        }

        /// <summary>Every job in the order first seen, as the journal holds it now (other processes included).</summary>
        public IReadOnlyList<JournalEntry> ReadAll() => Refresh().Entries.Select(e => e.Clone()).ToList();

        /// <summary>What the journal holds for one uuid (letter case ignored), or null.</summary>
        public JournalEntry? Find(string uuid) => Refresh().Find(uuid)?.Clone();

        private static bool Differs(JournalFold fold, VideoJobInfo job)
        {
            JournalEntry? known = fold.Find(job.Uuid);
            if (known == null || known.IsGone) return true;
            return known.LastStatus != job.Status
                   || !string.Equals(known.RawStatus, JournalRecordCodec.RawStatusToKeep(job), StringComparison.Ordinal)
                   || (job.VideoUrl != null && !string.Equals(known.VideoUrl, job.VideoUrl, StringComparison.Ordinal))
                   || (job.FailureReason != null && !string.Equals(known.FailureReason, job.FailureReason, StringComparison.Ordinal));
        }

        private void Append(byte[] record, bool durable)
        {
            using (_store.Lock())
            {
                // Looked at before appending: this append would make a journal another program shortened (a line deleted
                // in an editor, a re-save) as long as before, and the change would go unseen.
                Refresh();
                AppendLocked(record, durable);
            }
        }

        // Caller holds the store lock and has just refreshed, so the fold is the whole store before this record.
        private void AppendLocked(byte[] record, bool durable)
        {
            ConvertToUtf8IfForeign();
            _store.Append(record, durable);
            JournalFold fold = Refresh();
            // A line it could not read may still be someone's paid uuid (a newer format, a hand edit): never compact it away.
            if (!fold.HasUnreadableLines && fold.Lines > MinLinesBeforeCompaction && fold.Lines > LinesPerJobBeforeCompaction * fold.Count)
                Compact(fold);
        }

        private void Compact(JournalFold fold)
        {
            // Stryker disable once String : any unique text serves as the generation id (it makes the new first line differ
            // from every earlier one); nothing reads it back
            byte[] contents = JournalRecordCodec.Snapshot(fold.Entries, Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);
            // The next refresh sees a new first line and folds the compacted journal from its start.
            _store.Replace(contents);
        }

        /// <summary>
        /// Folds whatever was appended since the last look; starts over when the store was replaced (compacted, converted
        /// from UTF-16, written over by another program) as far as that shows: its first 256 bytes, or the last 256 bytes
        /// read (gone from a shorter journal), are not those seen before. An edit elsewhere that keeps both goes unseen.
        /// </summary>
        private JournalFold Refresh()
        {
            lock (_foldLock)
            {
                // The last bytes folded are read again: appends only add bytes after those already there, so both they and
                // the head stay where they were unless the journal was written over.
                int overlap = _foldedEnd.Length;
                JournalRead read = _store.ReadFrom(_foldedLength - overlap, HeadBytes);
                // A journal now shorter than what was folded has lost those last bytes too.
                bool replaced = !read.Head.AsSpan().StartsWith(_foldedHead) || !read.Tail.AsSpan().StartsWith(_foldedEnd);
                Encoding? foreign = ForeignEncoding(read.Head);
                if ((replaced || foreign != null) && _foldedLength > 0)
                {
                    _fold = new JournalFold();
                    _foldedLength = 0;
                    _foldedEnd = Array.Empty<byte>(); // so a read from the start that fails is tried again from the start
                    overlap = 0;
                    read = _store.ReadFrom(0, HeadBytes);
                    foreign = ForeignEncoding(read.Head); // another session may have converted it in between
                }
                _foldedHead = read.Head;
                if (foreign != null)
                {
                    // A journal re-saved as UTF-16 or UTF-32 (Windows PowerShell 5.1's Out-File): read it whole; the next
                    // write converts it back to UTF-8 before appending, so no record is ever lost to an encoding.
                    foreach (string line in foreign.GetString(read.Tail).Split('\n')) FoldLine(line);
                    _foldedLength = read.Length;
                    _foldedEnd = Array.Empty<byte>();
                    return _fold;
                }
                // Up to the last line break: a line still being written is left for a later look.
                int complete = Array.LastIndexOf(read.Tail, (byte)'\n') + 1;
                FoldUtf8Lines(read.Tail, overlap, complete);
                _foldedLength += complete - overlap;
                int endStart = Math.Max(0, complete - EndBytes);
                _foldedEnd = read.Tail.AsSpan(endStart, complete - endStart).ToArray();
                return _fold;
            }
        }

        /// <summary>Folds whole lines (end is just after a line break), each decoded on its own: no copy of the whole text.</summary>
        private void FoldUtf8Lines(byte[] bytes, int start, int end)
        {
            while (start < end)
            {
                int lineEnd = Array.IndexOf(bytes, (byte)'\n', start, end - start);
                FoldLine(Utf8.GetString(bytes, start, lineEnd - start));
                start = lineEnd + 1;
            }
        }

        private void FoldLine(string raw)
        {
            // A byte order mark (an editor's, at the start of the file or of a file pasted in) is no part of a record.
            string line = raw.TrimStart('\uFEFF').TrimEnd('\r');
            if (line.Trim().Length == 0) return;
            _fold.Lines++;
            if (!JournalRecordCodec.FoldInto(line, _fold)) _fold.HasUnreadableLines = true;
        }

        // What PowerShell's Out-File and Set-Content can write besides UTF-8, told by the byte order mark; UTF-32 first,
        // as UTF-32 LE's mark starts with UTF-16 LE's.
        private static readonly Encoding[] ForeignEncodings =
        {
            new UTF32Encoding(bigEndian: false, byteOrderMark: true),
            new UTF32Encoding(bigEndian: true, byteOrderMark: true),
            new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
            new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
        };

        private static Encoding? ForeignEncoding(byte[] head) => ForeignEncodings.FirstOrDefault(e => head.AsSpan().StartsWith(e.GetPreamble()));

        /// <summary>Rewrites a UTF-16 or UTF-32 journal as UTF-8, every line kept (caller holds the lock and has just refreshed).</summary>
        private void ConvertToUtf8IfForeign()
        {
            // The refresh just before saw the head: a UTF-8 journal (the rule) is not read again from its start.
            if (ForeignEncoding(_foldedHead) == null) return;
            JournalRead read = _store.ReadFrom(0, HeadBytes);
            Encoding? foreign = ForeignEncoding(read.Head);
            if (foreign == null) return;
            string text = foreign.GetString(read.Tail).TrimStart('\uFEFF').Replace("\r\n", "\n");
            // Stryker disable once all : a missing or extra newline here changes nothing read: Append starts each record on a fresh line, and blank lines are skipped
            if (text.Length > 0 && !text.EndsWith("\n", StringComparison.Ordinal)) text += "\n";
            // The next refresh sees a new first byte and folds the converted journal from its start.
            _store.Replace(Utf8.GetBytes(text));
        }

        private static string FullPath(string path)
        {
            // Stryker disable once String : message wording
            if (string.IsNullOrWhiteSpace(path)) throw new VeoException(VeoErrorKind.UnsafePath, "A journal path is required.");
            try
            {
                return System.IO.Path.GetFullPath(path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is System.IO.PathTooLongException)
            {
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "The journal path '" + Text.ServerText.Message(path) + "' is not a valid file path: " + ex.Message, ex);
            }
        }
    }

    /// <summary>The journal's records folded by job: the latest of everything known of each.</summary>
    internal sealed class JournalFold
    {
        private readonly Dictionary<string, JournalEntry> _byUuid = new Dictionary<string, JournalEntry>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<(string?, string), JournalEntry> _lostAnswers = new Dictionary<(string?, string), JournalEntry>();
        private readonly List<JournalEntry> _order = new List<JournalEntry>();

        public int Lines { get; set; }
        /// <summary>A line could not be read as a record: the journal is then never compacted.</summary>
        public bool HasUnreadableLines { get; set; }
        public int Count => _order.Count;
        public IReadOnlyList<JournalEntry> Entries => _order;

        public JournalEntry? Find(string uuid) => _byUuid.TryGetValue(uuid, out JournalEntry? entry) ? entry : null;

        public JournalEntry GetOrAdd(string uuid, Func<JournalEntry> create) => GetOrAdd(_byUuid, uuid, create);

        /// <summary>A lost answer has no uuid: it is known by its request's fingerprint and time, apart from every uuid.</summary>
        public JournalEntry GetOrAddLostAnswer(string? fingerprint, string at, Func<JournalEntry> create)
            => GetOrAdd(_lostAnswers, (fingerprint, at), create);

        private JournalEntry GetOrAdd<TKey>(Dictionary<TKey, JournalEntry> byKey, TKey key, Func<JournalEntry> create)
        {
            if (byKey.TryGetValue(key, out JournalEntry? entry)) return entry;
            entry = create();
            byKey.Add(key, entry);
            _order.Add(entry);
            return entry;
        }
    }
}
