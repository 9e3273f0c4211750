using System;

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
