using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using Veo31.Core.Download;
using Veo31.Core.Errors;

namespace Veo31.Core.Journal
{
    /// <summary>The journal in a local file, locked across processes with a lock file beside it.</summary>
    internal sealed class FileJournalStore : IJournalStore
    {
        // One monitor per journal file for the whole process, so threads queue here instead of spinning on the lock file.
        // Stryker disable once all : untestable here, not equivalent (the suite runs on Linux): the comparer matters only for two spellings of one path on a case-insensitive (Windows) file system
        private static readonly ConcurrentDictionary<string, object> Monitors =
            new ConcurrentDictionary<string, object>(Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

        private readonly object _monitor;

        public FileJournalStore(string fullPath)
        {
            // Caught when the session is made, not at the first paid job (whose uuid it would then fail to record).
            if (Directory.Exists(fullPath))
                // Stryker disable once String : message wording
                throw new Errors.VeoException(Errors.VeoErrorKind.InvalidParameters,
                    "The journal path '" + fullPath + "' is a folder; give a file in it, such as '" + Path.Combine(fullPath, "journal.jsonl") + "'.");
            Location = fullPath;
            _monitor = Monitors.GetOrAdd(fullPath, _ => new object());
        }

        public string Location { get; }

        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

        internal LockClock Clock { get; set; } = LockClock.System;

        public JournalRead ReadFrom(long offset, int headBytes)
        {
            try
            {
                using var stream = new FileStream(Location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new BinaryReader(stream);
                long length = stream.Length;
                // ReadBytes gives fewer bytes only at the end of the file: a head of a short file, or a tail asked from past
                // the end (a journal replaced by a shorter one), which is empty.
                byte[] head = reader.ReadBytes(headBytes);
                long unread = Math.Max(0, length - offset);
                JournalReadLimit.Check(Location, unread);
                stream.Seek(offset, SeekOrigin.Begin);
                byte[] tail = reader.ReadBytes((int)unread);
                return new JournalRead(head, tail, length);
            }
            catch (FileNotFoundException) { return Empty; }
            catch (DirectoryNotFoundException) { return Empty; }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Stryker disable once String : message wording
                throw Failure("read", ex);
            }
        }

        public IDisposable Lock()
        {
            Monitor.Enter(_monitor);
            try
            {
                string? directory = Path.GetDirectoryName(Location);
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
                FileStream lockFile = AcquireProcessLock();
                return new HeldLock(() =>
                {
                    lockFile.Dispose();
                    Monitor.Exit(_monitor);
                });
            }
            catch (Exception ex)
            {
                Monitor.Exit(_monitor);
                if (ex is IOException || ex is UnauthorizedAccessException) throw Failure("locked", ex);
                throw;
            }
        }

        public long Append(byte[] record, bool durable)
        {
            try
            {
                using var stream = new FileStream(Location, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                // A writer that died mid-line left no newline: start on a fresh line so this record stays readable.
                if (stream.Length > 0)
                {
                    stream.Seek(-1, SeekOrigin.End);
                    if (stream.ReadByte() != '\n') stream.WriteByte((byte)'\n');
                }
                // Stryker disable once Statement : after reading the last byte (or on an empty file) the position is already the end
                stream.Seek(0, SeekOrigin.End);
                stream.Write(record, 0, record.Length);
                // Stryker disable once Statement : an fsync cannot be observed without a power cut; disposing the stream writes the bytes anyway
                stream.Flush(durable);
                return stream.Length;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Stryker disable once String : message wording
                throw Failure("written", ex);
            }
        }

        public void Replace(byte[] contents)
        {
            // Stryker disable once all : the temporary file's name only has to be unique beside the journal; nothing looks for it
            string temporary = Location + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".compact";
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(contents, 0, contents.Length);
                    // Stryker disable once Statement,Boolean : an fsync cannot be observed without a power cut; disposing the stream writes the bytes anyway
                    stream.Flush(true);
                }
                AtomicFileMove.Move(temporary, Location, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                // Stryker disable once String : message wording
                throw Failure("compacted", ex);
            }
        }

        private static readonly JournalRead Empty = new JournalRead(Array.Empty<byte>(), Array.Empty<byte>(), 0);

        private VeoException Failure(string what, Exception ex)
            => new VeoException(VeoErrorKind.UnsafePath, "The job journal '" + Location + "' cannot be " + what + ": " + ex.Message, ex);

        private FileStream AcquireProcessLock()
        {
            string lockPath = Location + ".lock";
            var backoff = new LockBackoff(LockTimeout, firstDelayMs: 2, maxDelayMs: 50, Clock);
            while (true)
            {
                try
                {
                    return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                }
                catch (IOException) when (backoff.BeforeDeadline)
                {
                    backoff.Pause();
                }
            }
        }
    }
}
