using System;
using System.Globalization;
using Veo31.Core.Errors;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// Where the journal's lines live: an append-only sequence of bytes that several processes share. The journal's
    /// rules (what is recorded, de-duplication, compaction) live in <see cref="JobJournal"/>; a store only moves bytes.
    /// </summary>
    internal interface IJournalStore
    {
        /// <summary>Shown to users (a file path, a blob URL without its secret).</summary>
        string Location { get; }

        /// <summary>The first bytes (which identify the store's current contents) and everything from offset on.</summary>
        JournalRead ReadFrom(long offset, int headBytes);

        /// <summary>Exclusive across threads and processes until disposed.</summary>
        IDisposable Lock();

        /// <summary>Appends one record (caller holds the lock). Returns the store's length afterwards.</summary>
        long Append(byte[] record, bool durable);

        /// <summary>Replaces everything in one atomic step (caller holds the lock).</summary>
        void Replace(byte[] contents);
    }

    /// <summary>
    /// The most a journal is read at once: tens of thousands of jobs (a compaction keeps one line per job), or a journal that
    /// a line it cannot read keeps from compacting. Past this a read is refused with a typed error instead of running out of
    /// memory.
    /// </summary>
    internal static class JournalReadLimit
    {
        public const int MaxMebibytes = 256;
        public const long MaxBytes = MaxMebibytes * 1024L * 1024L;

        public static void Check(string location, long unread)
        {
            if (unread <= MaxBytes) return;
            throw new VeoException(VeoErrorKind.UnsafePath, "The job journal '" + location + "' has " + unread.ToString(CultureInfo.InvariantCulture) + " bytes to read, more than the " + MaxMebibytes.ToString(CultureInfo.InvariantCulture) + " MiB it reads at once: it keeps every job it has recorded, so it grows with use. Move it aside and start a new one (Connect-Veo -JournalPath or $env:VEO_JOURNAL); the uuids of jobs still pending are in its last lines, for Get-VeoVideoStatus.");
        }
    }

    internal sealed class JournalRead
    {
        public JournalRead(byte[] head, byte[] tail, long length)
        {
            Head = head;
            Tail = tail;
            Length = length;
        }

        public byte[] Head { get; }
        /// <summary>Bytes from the requested offset to <see cref="Length"/>.</summary>
        public byte[] Tail { get; }
        public long Length { get; }
    }
}
