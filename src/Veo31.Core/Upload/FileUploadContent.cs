using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Files;
using Veo31.Core.Models;

namespace Veo31.Core.Upload
{
    /// <summary>Streams a file from disk (opened anew for every attempt), reporting progress; the whole file is never in memory.
    /// The bytes are hashed as they are sent, so <see cref="Sha256"/> is what went on the wire even if the file changed since
    /// it was checked.</summary>
    internal sealed class FileUploadContent : HttpContent
    {
        internal const int BufferSize = 81920;

        private readonly string _path;
        private readonly long _length;
        private readonly IProgress<TransferProgress>? _progress;
        private readonly Action? _onChunk;
        private readonly CancellationToken _cancellationToken;

        public FileUploadContent(string path, long length, string contentType, IProgress<TransferProgress>? progress, Action? onChunk,
            CancellationToken cancellationToken)
        {
            _path = path;
            _length = length;
            _progress = progress;
            _onChunk = onChunk;
            _cancellationToken = cancellationToken;
            Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        /// <summary>SHA-256 (lower-case hex) of the bytes of the last complete send; null until one completed.</summary>
        public string? Sha256 { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Sha256 = null;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
            var buffer = new byte[BufferSize];
            long sent = 0;
            _progress?.Report(new TransferProgress(0, _length));
            while (sent < _length)
            {
                int read = await file.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, _length - sent), _cancellationToken).ConfigureAwait(false);
                if (read == 0) throw new IOException("The file '" + _path + "' became shorter while it was uploaded.");
                hash.AppendData(buffer, 0, read);
                await stream.WriteAsync(buffer, 0, read, _cancellationToken).ConfigureAwait(false);
                sent += read;
                _onChunk?.Invoke();
                _progress?.Report(new TransferProgress(sent, _length));
            }
            Sha256 = Sha256Hex.Of(hash.GetHashAndReset());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
