using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Veo31.Emulator;

/// <summary>
/// The video every completed job serves: the embedded small MP4, optionally followed by one top-level
/// <c>free</c> box that pads it to an exact size. The padding is generated while streaming, never held.
/// </summary>
internal sealed class Mp4Video
{
    private const int ChunkSize = 64 * 1024;
    private static readonly byte[] Zeros = new byte[ChunkSize];

    private readonly ConcurrentDictionary<(long Length, byte Fill), Lazy<Task<string>>> _sha256BySize = new();
    private readonly ConcurrentDictionary<(long Length, byte Fill), Lazy<Task<byte[]>>> _gzipBySize = new();

    /// <summary>Smallest padding a changing video gets, so its versions (which differ in the padding's fill byte) differ.</summary>
    public const int VersionPadding = 1024;

    public Mp4Video()
    {
        using var resource = typeof(Mp4Video).Assembly.GetManifestResourceStream("Veo31.Emulator.sample.mp4")
            ?? throw new InvalidOperationException("The embedded sample.mp4 is missing.");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        Sample = copy.ToArray();
    }

    public byte[] Sample { get; }

    /// <summary>
    /// The served length for a <c>--video-bytes</c> setting. A free box needs at least 8 bytes, so sizes
    /// from 1 to sample+7 serve the plain sample.
    /// </summary>
    public long LengthFor(long videoBytes) => videoBytes >= Sample.Length + 8 ? videoBytes : Sample.Length;

    public static string ETagFor(long length) => $"\"veo-emulator-mp4-{length}\"";

    /// <summary>The ETag of version <paramref name="version"/> of a changing video (<c>--changing-video etag</c>).</summary>
    public static string ETagFor(long length, int version) => $"\"veo-emulator-mp4-{length}-v{version}\"";

    /// <summary>The length of a changing video: padded so the versions differ (in the fill byte of the padding).</summary>
    public long VersionedLength(long length) => Math.Max(length, Sample.Length + VersionPadding);

    /// <summary>The fill byte of the padding of a version; version 0 is the unchanging video (zeros).</summary>
    public static byte FillFor(int version) => version == 0 ? (byte)0 : (byte)((version - 1) % 255 + 1);

    /// <summary>Writes bytes [offset, offset+count) of the video of total <paramref name="length"/>, padding filled with <paramref name="fill"/>.</summary>
    public async Task WriteAsync(Stream output, long length, long offset, long count, CancellationToken ct, byte fill = 0)
    {
        var end = offset + count;
        var position = offset;
        if (position < Sample.Length && position < end)
        {
            var take = (int)Math.Min(Sample.Length - position, end - position);
            await output.WriteAsync(Sample.AsMemory((int)position, take), ct);
            position += take;
        }
        if (position >= end) return;

        var header = FreeBoxHeader(length - Sample.Length);
        var headerStart = (long)Sample.Length;
        if (position < headerStart + header.Length)
        {
            var from = (int)(position - headerStart);
            var take = (int)Math.Min(header.Length - from, end - position);
            await output.WriteAsync(header.AsMemory(from, take), ct);
            position += take;
        }
        var padding = fill == 0 ? Zeros : Enumerable.Repeat(fill, ChunkSize).ToArray();
        while (position < end)
        {
            var take = (int)Math.Min(ChunkSize, end - position);
            await output.WriteAsync(padding.AsMemory(0, take), ct);
            position += take;
        }
    }

    /// <summary>The lowercase hex SHA-256 of the whole video of that length, computed once per length by streaming.</summary>
    public Task<string> Sha256Async(long length, byte fill = 0) =>
        _sha256BySize.GetOrAdd((length, fill), k => new Lazy<Task<string>>(() => Task.Run(() => ComputeSha256Async(k.Length, k.Fill)))).Value;

    /// <summary>The whole video gzip-compressed (what a CDN with compression on sends), computed once per length and fill.</summary>
    public Task<byte[]> GzipAsync(long length, byte fill = 0) =>
        _gzipBySize.GetOrAdd((length, fill), k => new Lazy<Task<byte[]>>(() => Task.Run(async () =>
        {
            using var plain = new MemoryStream();
            await WriteAsync(plain, k.Length, 0, k.Length, CancellationToken.None, k.Fill);
            return ResponseCoding.Compress(plain.ToArray());
        }))).Value;

    private async Task<string> ComputeSha256Async(long length, byte fill)
    {
        using var hashing = new HashingStream();
        await WriteAsync(hashing, length, 0, length, CancellationToken.None, fill);
        return Convert.ToHexStringLower(hashing.Finish());
    }

    private static byte[] FreeBoxHeader(long boxSize)
    {
        if (boxSize <= uint.MaxValue)
        {
            var header = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)boxSize);
            "free"u8.CopyTo(header.AsSpan(4));
            return header;
        }
        // size == 1 means a 64-bit "largesize" follows the type.
        var large = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(large, 1);
        "free"u8.CopyTo(large.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(large.AsSpan(8), (ulong)boxSize);
        return large;
    }

    /// <summary>A write-only stream that feeds an incremental SHA-256.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public byte[] Finish() => _hash.GetHashAndReset();
        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => _hash.AppendData(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            _hash.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
