using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.Core.Http
{
    /// <summary>
    /// Decodes a gzip body and proves it complete. GZipStream reads a stream cut short (or one that ends cleanly where the
    /// gzip data does not) as a short but successful result; this stream checks the gzip trailer (CRC-32 and length of the
    /// decoded bytes) at the end and throws <see cref="InvalidDataException"/> when it does not match. Bytes that are not gzip
    /// throw InvalidDataException too (from GZipStream). One gzip member only: a multi-member body fails the check.
    /// </summary>
    internal sealed class CheckedGzipStream : ReadOnlyStream
    {
        private const int TrailerLength = 8;
        private const int MinimumGzipLength = 18; // 10-byte header + empty deflate block + trailer, rounded down

        private readonly TrailerKeepingStream _raw;
        private readonly GZipStream _gzip;
        private uint _crc = Crc32.Initial;
        private long _decoded;
        private bool _verified;

        public CheckedGzipStream(Stream raw)
        {
            _raw = new TrailerKeepingStream(raw);
            _gzip = new GZipStream(_raw, CompressionMode.Decompress, leaveOpen: false);
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int read = await _gzip.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                Account(buffer, offset, read);
                return read;
            }
            if (!_verified)
            {
                // GZipStream may stop at the end of the member; anything after it still belongs to the body.
                var scratch = new byte[4096];
                while (await _raw.ReadAsync(scratch, 0, scratch.Length, cancellationToken).ConfigureAwait(false) > 0) { }
                Verify();
            }
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = _gzip.Read(buffer, offset, count);
            if (read > 0)
            {
                Account(buffer, offset, read);
                return read;
            }
            if (!_verified)
            {
                var scratch = new byte[4096];
                while (_raw.Read(scratch, 0, scratch.Length) > 0) { }
                Verify();
            }
            return 0;
        }

        private void Account(byte[] buffer, int offset, int count)
        {
            _crc = Crc32.Update(_crc, buffer, offset, count);
            _decoded += count;
        }

        private void Verify()
        {
            _verified = true;
            byte[] trailer = _raw.LastBytes();
            if (_raw.Total < MinimumGzipLength || trailer.Length < TrailerLength)
                throw new InvalidDataException("The gzip data is shorter than a gzip header and trailer.");
            uint crc = BitConverter.ToUInt32(LittleEndian(trailer, 0), 0);
            uint size = BitConverter.ToUInt32(LittleEndian(trailer, 4), 0);
            if (crc != Crc32.Final(_crc) || size != unchecked((uint)_decoded))
                throw new InvalidDataException("The gzip data ends without its trailer (cut short or corrupt): " + _decoded + " bytes decoded.");
        }

        private static byte[] LittleEndian(byte[] bytes, int offset)
        {
            var four = new byte[4];
            Array.Copy(bytes, offset, four, 0, 4);
            if (!BitConverter.IsLittleEndian) Array.Reverse(four);
            return four;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _gzip.Dispose();
            base.Dispose(disposing);
        }

        /// <summary>Passes reads through, counting them and keeping the last eight bytes (the gzip trailer).</summary>
        private sealed class TrailerKeepingStream : ReadOnlyStream
        {
            private readonly Stream _inner;
            private readonly byte[] _last = new byte[TrailerLength];
            private int _kept;

            public TrailerKeepingStream(Stream inner) => _inner = inner;

            public long Total { get; private set; }

            public byte[] LastBytes()
            {
                var copy = new byte[_kept];
                Array.Copy(_last, TrailerLength - _kept, copy, 0, _kept);
                return copy;
            }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int read = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                Keep(buffer, offset, read);
                return read;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int read = _inner.Read(buffer, offset, count);
                Keep(buffer, offset, read);
                return read;
            }

            private void Keep(byte[] buffer, int offset, int read)
            {
                if (read <= 0) return;
                Total += read;
                int take = Math.Min(read, TrailerLength);
                int shift = TrailerLength - take;
                Array.Copy(_last, take, _last, 0, shift);
                Array.Copy(buffer, offset + read - take, _last, shift, take);
                _kept = Math.Min(TrailerLength, _kept + take);
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>CRC-32 (IEEE 802.3, as in gzip); netstandard2.0 has none built in.</summary>
    internal static class Crc32
    {
        public const uint Initial = 0xFFFFFFFFu;
        private static readonly uint[] Table = BuildTable();

        public static uint Update(uint crc, byte[] buffer, int offset, int count)
        {
            for (int i = offset; i < offset + count; i++)
                crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
            return crc;
        }

        public static uint Final(uint crc) => crc ^ 0xFFFFFFFFu;

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }
    }
}
