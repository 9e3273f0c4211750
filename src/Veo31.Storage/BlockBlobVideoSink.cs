using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Core.Http;

namespace Veo31.Storage
{
    /// <summary>
    /// A video streamed into a block blob without touching the local disk: the bytes are staged as blocks as they arrive and
    /// the block list is committed at the end, so the blob exists only complete. Staged blocks are not a blob: a transfer
    /// that fails leaves nothing visible (the service discards uncommitted blocks). A restart (a new version of the video)
    /// stages under new block ids, so blocks of the old version can never be committed.
    /// </summary>
    internal sealed class BlockBlobVideoSink : IVideoSink
    {
        /// <summary>Bytes held in memory before they are staged as one block.</summary>
        internal const int DefaultBlockBytes = 4 * 1024 * 1024;

        private readonly BlobContainerClient _container;
        private readonly BlockBlobClient _blob;
        private readonly bool _overwrite;
        private readonly List<string> _blockIds = new List<string>();
        private readonly MemoryStream _pending;
        private readonly int _blockBytes;
        private string _version = NewVersion();
        private bool _containerChecked;

        public BlockBlobVideoSink(BlobContainerClient container, BlockBlobClient blob, bool overwrite, int blockBytes = DefaultBlockBytes)
        {
            _container = container;
            _blob = blob;
            _overwrite = overwrite;
            _blockBytes = blockBytes;
            _pending = new MemoryStream(Math.Min(blockBytes, 1024 * 1024));
            Location = UrlRules.ShowUrl(blob.Uri);
        }

        public string Location { get; }

        public async Task OpenAsync(CancellationToken cancellationToken)
        {
            if (_overwrite) return;
            bool exists = await Guard("read", async () => (await _blob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value, cancellationToken).ConfigureAwait(false);
            if (exists) throw AlreadyExists("already exists; use overwrite (-Force) to replace it");
        }

        public async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            // Stage what is held first when these bytes would not fit, so a failure takes none of them.
            if (_pending.Length > 0 && _pending.Length + count > _blockBytes) await StagePendingAsync(cancellationToken).ConfigureAwait(false);
            _pending.Write(buffer, offset, count);
        }

        public void Restart()
        {
            _blockIds.Clear();
            _pending.SetLength(0);
            _version = NewVersion();
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_pending.Length > 0) await StagePendingAsync(cancellationToken).ConfigureAwait(false);
            var options = new CommitBlockListOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "video/mp4" },
                Conditions = _overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            if (_blockIds.Count == 0) await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Guard("written", () => _blob.CommitBlockListAsync(_blockIds, options, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (VeoException ex) when (!_overwrite && ex.InnerException is RequestFailedException refused && (refused.Status == 409 || refused.Status == 412))
            {
                throw AlreadyExists("appeared while the video was downloading; it was not replaced");
            }
        }

        public void Abandon()
        {
            // Nothing was committed; the staged blocks are garbage the service collects. Only the memory is released.
            _pending.SetLength(0);
            _blockIds.Clear();
        }

        private async Task StagePendingAsync(CancellationToken cancellationToken)
        {
            string id = BlockId(_version, _blockIds.Count);
            byte[] block = _pending.ToArray();
            await Guard("written", async () =>
            {
                try
                {
                    await StageAsync(id, block, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 404 && !_containerChecked)
                {
                    // The container is missing (a first run): create it, which a container-scoped SAS may not allow.
                    await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                    await StageAsync(id, block, cancellationToken).ConfigureAwait(false);
                }
                return true;
            }, cancellationToken).ConfigureAwait(false);
            _blockIds.Add(id);
            _pending.SetLength(0);
        }

        private async Task StageAsync(string id, byte[] block, CancellationToken cancellationToken)
        {
            using var content = new MemoryStream(block, writable: false);
            await _blob.StageBlockAsync(id, content, new BlockBlobStageBlockOptions(), cancellationToken).ConfigureAwait(false);
        }

        private async Task EnsureContainerAsync(CancellationToken cancellationToken)
        {
            if (_containerChecked) return;
            try
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 403)
            {
                // A container-scoped SAS cannot create containers; the container may exist already (the next request tells).
            }
            _containerChecked = true;
        }

        private async Task<T> Guard<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception ex) when (StorageClients.IsStorageFailure(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw new VeoException(VeoErrorKind.StorageFailed, "The blob '" + Location + "' cannot be " + what + ": " + StorageClients.Describe(ex) + ".", ex);
            }
        }

        private Task Guard(string what, Func<Task> action, CancellationToken cancellationToken)
            => Guard(what, async () =>
            {
                await action().ConfigureAwait(false);
                return true;
            }, cancellationToken);

        private VeoException AlreadyExists(string what) => new VeoException(VeoErrorKind.FileExists, "The blob '" + Location + "' " + what + ".");

        // Block ids of one blob must all have the same length: 32 hex digits of the version and 6 of the index, base64-encoded.
        private static string BlockId(string version, int index)
            => Convert.ToBase64String(Encoding.ASCII.GetBytes(version + index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));

        private static string NewVersion()
        {
            var bytes = new byte[16];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
        }
    }
}
