using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Journal;

namespace Veo31.Storage
{
    /// <summary>
    /// The journal in an Azure append blob. The lock is a blob lease, so writers on any machine take turns; each record is
    /// one Append Block (atomic) at the position the lock holder just read. Replace (compaction) cannot be one step on an
    /// append blob, so it is made safe instead: the new contents go first to a sibling block blob "name.compacting" and the
    /// journal is flagged in its metadata while it is rewritten. Readers that see the flag read the sibling and the journal
    /// together; the next lock holder finishes a compaction whose writer died. No record is lost at any point.
    /// </summary>
    internal sealed class BlobJournalStore : IJournalStore
    {
        internal const string CompactingSuffix = ".compacting";
        internal const string CompactingMetadata = "veo31compacting";
        // The shortest finite lease: a writer that dies holding it blocks the others for at most this long.
        internal static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
        // Append Block takes at most 4 MiB on every service version.
        private const int MaxBlockBytes = 4 * 1024 * 1024;
        // An append blob holds at most 50,000 committed blocks; each record is one.
        private const int MaxAppendBlocks = 50000;
        private const int MaxReadAttempts = 8;

        private static readonly ConcurrentDictionary<string, object> Monitors = new ConcurrentDictionary<string, object>(StringComparer.Ordinal);

        private readonly AppendBlobClient _blob;
        private readonly BlobClient _compacting;
        private readonly BlobContainerClient _container;
        private readonly object _monitor;
        private readonly object _cacheGate = new object();
        private ETag _cachedETag;
        private byte[] _cachedHead = Array.Empty<byte>();
        private string? _leaseId;

        public BlobJournalStore(AppendBlobClient blob)
        {
            _blob = blob;
            _container = blob.GetParentBlobContainerClient();
            _compacting = _container.GetBlobClient(blob.Name + CompactingSuffix);
            Location = UrlRules.ShowUrl(blob.Uri);
            _monitor = Monitors.GetOrAdd(Location, _ => new object());
        }

        public string Location { get; }

        /// <summary>How long Lock waits for another writer's lease: longer than a lease, so a dead writer's lease runs out first.</summary>
        public TimeSpan LockTimeout { get; set; } = LeaseDuration + TimeSpan.FromSeconds(15);

        public JournalRead ReadFrom(long offset, int headBytes) => Guard("read", () =>
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return ReadOnce(offset, headBytes);
                }
                catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxReadAttempts)
                {
                    // Written between two reads (If-Match failed): read again.
                }
            }
        });

        public IDisposable Lock()
        {
            Monitor.Enter(_monitor);
            string leaseId;
            try
            {
                leaseId = AcquireLease();
            }
            catch (Exception ex)
            {
                Monitor.Exit(_monitor);
                if (IsStorageFailure(ex)) throw Failure("locked", ex);
                throw;
            }
            _leaseId = leaseId;
            // From here the lock has one owner, the holder: releasing it again (a second Monitor.Exit) would throw and
            // lose the answer of a paid job whose record was being written.
            var held = new HeldLock(() => Release(leaseId));
            try
            {
                FinishInterruptedCompaction();
                return held;
            }
            catch (Exception ex)
            {
                held.Dispose();
                if (IsStorageFailure(ex)) throw Failure("locked", ex);
                throw;
            }
        }

        public long Append(byte[] record, bool durable) => Guard("written", () => AppendLocked(record));

        public void Replace(byte[] contents) => Guard("compacted", () =>
        {
            ReplaceLocked(contents);
            return true;
        });

        private T Guard<T>(string what, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                throw Failure(what, ex);
            }
        }

        private static bool IsStorageFailure(Exception ex) => StorageClients.IsStorageFailure(ex);

        private JournalRead ReadOnce(long offset, int headBytes)
        {
            BlobProperties properties;
            try
            {
                properties = _blob.GetProperties().Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return Empty;
            }
            var sameVersion = new BlobRequestConditions { IfMatch = properties.ETag };
            if (IsCompacting(properties))
            {
                byte[] whole = MergedWithCompaction(sameVersion);
                return Slice(whole, offset, headBytes);
            }

            long length = properties.ContentLength;
            if (length == 0) return Empty;
            byte[] head;
            lock (_cacheGate)
            {
                head = properties.ETag == _cachedETag ? _cachedHead : Array.Empty<byte>();
            }
            if (head.Length == 0)
            {
                head = Download(0, Math.Min(headBytes, length), sameVersion);
                lock (_cacheGate)
                {
                    _cachedETag = properties.ETag;
                    _cachedHead = head;
                }
            }
            JournalReadLimit.Check(Location, Math.Max(0, length - offset));
            byte[] tail = offset >= length ? Array.Empty<byte>() : Download(offset, length - offset, sameVersion);
            return new JournalRead(head, tail, length);
        }

        private static JournalRead Slice(byte[] whole, long offset, int headBytes)
        {
            byte[] head = Sub(whole, 0, Math.Min(headBytes, whole.Length));
            byte[] tail = offset >= whole.Length ? Array.Empty<byte>() : Sub(whole, (int)offset, whole.Length - (int)offset);
            return new JournalRead(head, tail, whole.Length);
        }

        /// <summary>
        /// The contents the journal holds once the compaction is done: the snapshot when the journal holds a prefix of it (the
        /// compaction's own rewrite, so a reader's offsets stay those of the finished journal); otherwise the snapshot, then
        /// whatever the journal holds, so nothing is lost.
        /// </summary>
        private byte[] MergedWithCompaction(BlobRequestConditions journalVersion)
        {
            byte[] snapshot = DownloadAll(_compacting, null) ?? Array.Empty<byte>();
            byte[] journal = DownloadAll(_blob, journalVersion) ?? Array.Empty<byte>();
            if (snapshot.Length > 0 && snapshot.AsSpan().StartsWith(journal)) return snapshot;
            var merged = new MemoryStream(snapshot.Length + journal.Length + 1);
            merged.Write(snapshot, 0, snapshot.Length);
            if (snapshot.Length > 0 && snapshot[snapshot.Length - 1] != '\n' && journal.Length > 0) merged.WriteByte((byte)'\n');
            merged.Write(journal, 0, journal.Length);
            return merged.ToArray();
        }

        private string AcquireLease()
        {
            var backoff = new LockBackoff(LockTimeout, firstDelayMs: 50, maxDelayMs: 1000, LockClock.System);
            while (true)
            {
                try
                {
                    return _blob.GetBlobLeaseClient().Acquire(LeaseDuration).Value.LeaseId;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    CreateJournalBlob();
                }
                catch (RequestFailedException ex) when (ex.Status == 409 && backoff.BeforeDeadline)
                {
                    // Another writer holds the lease: wait our turn.
                    backoff.Pause();
                }
            }
        }

        private void CreateJournalBlob()
        {
            try
            {
                _blob.CreateIfNotExists();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The container is missing too (a first run): create it, which a container-scoped SAS may not allow.
                _container.CreateIfNotExists();
                _blob.CreateIfNotExists();
            }
        }

        private long AppendLocked(byte[] record)
        {
            BlobProperties properties = _blob.GetProperties().Value;
            if (properties.BlobType != BlobType.Append || properties.BlobCommittedBlockCount >= MaxAppendBlocks - 1)
            {
                // A block blob (a file journal uploaded as is) or an append blob at its block limit takes no more Append
                // Block: rewrite the same bytes as an append blob of few blocks, safely as a compaction is, then append.
                ReplaceLocked(DownloadAll(_blob, new BlobRequestConditions { IfMatch = properties.ETag }) ?? Array.Empty<byte>());
                properties = _blob.GetProperties().Value;
            }
            long length = properties.ContentLength;
            byte[] data = record;
            // A blob edited by hand may end without a newline: start on a fresh line so this record stays readable.
            if (length > 0 && Download(length - 1, 1, null)[0] != (byte)'\n')
            {
                data = new byte[record.Length + 1];
                data[0] = (byte)'\n';
                Buffer.BlockCopy(record, 0, data, 1, record.Length);
            }
            var conditions = new AppendBlobRequestConditions { LeaseId = _leaseId, IfAppendPositionEqual = length };
            using (var stream = new MemoryStream(data, writable: false))
                _blob.AppendBlock(stream, new AppendBlobAppendBlockOptions { Conditions = conditions });
            return length + data.Length;
        }

        private void ReplaceLocked(byte[] contents)
        {
            var leased = new BlobRequestConditions { LeaseId = _leaseId };
            // 1. The new contents, whole, where a reader or the next writer finds them if this process dies below.
            _compacting.Upload(new BinaryData(contents), overwrite: true);
            // 2. The journal emptied and flagged: from here readers merge the sibling with what the journal holds.
            _blob.Create(new AppendBlobCreateOptions
            {
                Conditions = new AppendBlobRequestConditions { LeaseId = _leaseId },
                Metadata = new Dictionary<string, string> { [CompactingMetadata] = "1" },
            });
            // 3. The contents appended in whole lines, so a break leaves only complete records behind.
            long position = 0;
            foreach (ArraySegment<byte> chunk in LineChunks(contents, MaxBlockBytes))
            {
                using var stream = new MemoryStream(chunk.Array!, chunk.Offset, chunk.Count, writable: false);
                _blob.AppendBlock(stream, new AppendBlobAppendBlockOptions
                {
                    Conditions = new AppendBlobRequestConditions { LeaseId = _leaseId, IfAppendPositionEqual = position },
                });
                position += chunk.Count;
            }
            // 4. Done: unflag, then drop the sibling.
            _blob.SetMetadata(new Dictionary<string, string>(), leased);
            _compacting.DeleteIfExists();
            lock (_cacheGate) _cachedETag = default;
        }

        /// <summary>A writer died mid-compaction (the flag is still set): rewrite the merged view, which loses nothing.</summary>
        private void FinishInterruptedCompaction()
        {
            BlobProperties properties = _blob.GetProperties().Value;
            if (!IsCompacting(properties)) return;
            ReplaceLocked(MergedWithCompaction(new BlobRequestConditions { IfMatch = properties.ETag }));
        }

        private static bool IsCompacting(BlobProperties properties)
            => properties.Metadata != null && properties.Metadata.ContainsKey(CompactingMetadata);

        /// <summary>Pieces of at most max bytes, each ending at a newline (a single longer line goes alone).</summary>
        internal static IEnumerable<ArraySegment<byte>> LineChunks(byte[] contents, int max)
        {
            int start = 0;
            while (start < contents.Length)
            {
                int end = Math.Min(start + max, contents.Length);
                if (end < contents.Length)
                {
                    int newline = Array.LastIndexOf(contents, (byte)'\n', end - 1, end - start);
                    if (newline >= start) end = newline + 1;
                    else
                    {
                        int next = Array.IndexOf(contents, (byte)'\n', end);
                        end = next < 0 ? contents.Length : next + 1;
                    }
                }
                yield return new ArraySegment<byte>(contents, start, end - start);
                start = end;
            }
        }

        private byte[] Download(long offset, long count, BlobRequestConditions? conditions)
        {
            BlobDownloadResult result = _blob.DownloadContent(new BlobDownloadOptions
            {
                Range = new HttpRange(offset, count),
                Conditions = conditions,
            }).Value;
            return result.Content.ToArray();
        }

        private byte[]? DownloadAll(BlobBaseClient blob, BlobRequestConditions? conditions)
        {
            try
            {
                // Sized first: a whole download is bounded like every other journal read.
                JournalReadLimit.Check(Location, blob.GetProperties(conditions).Value.ContentLength);
                return blob.DownloadContent(new BlobDownloadOptions { Conditions = conditions }).Value.Content.ToArray();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null;
            }
        }

        private static byte[] Sub(byte[] source, int offset, int count)
        {
            var result = new byte[count];
            Buffer.BlockCopy(source, offset, result, 0, count);
            return result;
        }

        private static readonly JournalRead Empty = new JournalRead(Array.Empty<byte>(), Array.Empty<byte>(), 0);

        private VeoException Failure(string what, Exception ex)
        {
            string detail = StorageClients.Describe(ex, " (another writer holds its lease)");
            return new VeoException(VeoErrorKind.StorageFailed, "The job journal '" + Location + "' cannot be " + what + ": " + detail + ".");
        }

        private void Release(string leaseId)
        {
            try
            {
                _blob.GetBlobLeaseClient(leaseId).Release();
            }
            catch (RequestFailedException)
            {
                // Lost or expired already: it ends by itself within LeaseDuration.
            }
            finally
            {
                _leaseId = null;
                Monitor.Exit(_monitor);
            }
        }
    }
}
