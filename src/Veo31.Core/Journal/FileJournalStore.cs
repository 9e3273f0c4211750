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

        public JournalRead ReadFrom(long offset, int headBytes)
        {
            try
            {
                using var stream = new FileStream(Location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                long length = stream.Length;
                byte[] head = ReadExactly(stream, 0, (int)Math.Min(headBytes, length));
                byte[] tail = offset >= length ? Array.Empty<byte>() : ReadExactly(stream, offset, checked((int)(length - offset)));
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

        private static byte[] ReadExactly(FileStream stream, long offset, int count)
        {
            var buffer = new byte[count];
            stream.Seek(offset, SeekOrigin.Begin);
            int read = 0;
            // A local file gives every byte asked for in one Read; a short read happens only if the file shrinks between its
            // length and the read, which no journal writer does (appends only; compaction renames a new file over it and this
            // handle keeps the old one). So no test can bring one about, and the mutants marked below change only that case.
            while (read < count)
            {
                // Stryker disable once Arithmetic : the first Read asks for count either way (read is 0), and there is no second
                int n = stream.Read(buffer, read, count - read);
                if (n == 0) break;
                read += n;
            }
            // Stryker disable once Equality,Statement : resizing a full buffer to its own length gives the same bytes
            if (read == count) return buffer;
            // Stryker disable once Statement : only a short read gets here
            Array.Resize(ref buffer, read);
            return buffer;
        }

        private VeoException Failure(string what, Exception ex)
            => new VeoException(VeoErrorKind.UnsafePath, "The job journal '" + Location + "' cannot be " + what + ": " + ex.Message, ex);

        private FileStream AcquireProcessLock()
        {
            string lockPath = Location + ".lock";
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
                    Thread.Sleep(delayMs + random.Next(delayMs));
                    delayMs = Math.Min(delayMs * 2, 50);
                }
            }
        }
    }
}
