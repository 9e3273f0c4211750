using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;

namespace Veo31.Core.Http
{
    /// <summary>Reads a JSON answer into memory, but never more than the cap: a larger answer fails without being buffered.</summary>
    internal static class BoundedContentReader
    {
        public static async Task<ArraySegment<byte>> ReadAsync(HttpContent? content, long maxBytes, int httpStatus, CancellationToken cancellationToken)
        {
            if (content == null) return new ArraySegment<byte>(Array.Empty<byte>());
            long? declared = content.Headers.ContentLength;
            if (declared.HasValue && declared.Value > maxBytes)
                throw TooLarge(maxBytes, httpStatus);

            int cap = (int)Math.Min(maxBytes, int.MaxValue - 1);
            var buffer = new byte[(int)Math.Min(declared ?? 16 * 1024, cap) + 1];
            int total = 0;
            using (Stream stream = await content.ReadAsStreamAsync().ConfigureAwait(false))
            {
                while (true)
                {
                    if (total == buffer.Length)
                    {
                        if (total > cap) throw TooLarge(maxBytes, httpStatus);
                        Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)cap + 1));
                    }
                    int read = await stream.ReadAsync(buffer, total, buffer.Length - total, cancellationToken).ConfigureAwait(false);
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
