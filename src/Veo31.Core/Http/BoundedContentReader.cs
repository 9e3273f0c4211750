using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;

namespace Veo31.Core.Http
{
    /// <summary>
    /// Reads a JSON answer into memory, decoding gzip, but never more than the cap (of decoded bytes): a larger answer fails
    /// without being buffered. A body that says gzip but is not, or uses a coding that was not asked for, throws
    /// <see cref="InvalidDataException"/> (the caller decides what an unreadable body means for its status).
    /// </summary>
    internal static class BoundedContentReader
    {
        public static async Task<ArraySegment<byte>> ReadAsync(HttpContent? content, long maxBytes, int httpStatus, CancellationToken cancellationToken)
        {
            if (content == null) return new ArraySegment<byte>(Array.Empty<byte>());
            BodyCoding coding = ContentCodings.Of(content, out string codingName);
            if (coding == BodyCoding.Unsupported)
                throw new InvalidDataException("the body uses Content-Encoding '" + Text.ServerText.Message(codingName) + "', which was not asked for");
            long? declared = content.Headers.ContentLength;
            if (declared.HasValue && declared.Value > maxBytes)
                throw TooLarge(maxBytes, httpStatus);

            int cap = (int)Math.Min(maxBytes, int.MaxValue - 1);
            var buffer = new byte[(int)Math.Min(declared ?? 16 * 1024, cap) + 1];
            int total = 0;
            Stream raw = await content.ReadAsStreamAsync().ConfigureAwait(false);
            using (Stream stream = coding == BodyCoding.Gzip ? new CheckedGzipStream(raw) : raw)
            {
                while (true)
                {
                    if (total == buffer.Length)
                    {
                        if (total > cap) throw TooLarge(maxBytes, httpStatus);
                        Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)cap + 1));
                    }
                    int read;
                    try
                    {
                        read = await stream.ReadAsync(buffer, total, buffer.Length - total, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException ex) when (coding == BodyCoding.Gzip)
                    {
                        throw new InvalidDataException("the body is marked Content-Encoding: gzip but is not complete gzip data (" + ex.Message.TrimEnd('.') + ")", ex);
                    }
                    if (read == 0) break;
                    total += read;
                    if (total > cap) throw TooLarge(maxBytes, httpStatus);
                }
            }
            return new ArraySegment<byte>(buffer, 0, total);
        }

        private static VeoException TooLarge(long maxBytes, int httpStatus)
            => VeoErrors.InvalidResponse("the answer is larger than the " + maxBytes + "-byte limit (MaxResponseBytes)", httpStatus);
    }
}
