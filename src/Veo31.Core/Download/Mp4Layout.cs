using System.IO;
using System.Threading.Tasks;

namespace Veo31.Core.Download
{
    /// <summary>
    /// The top-level boxes of an MP4 (ISO BMFF) file each start with their size, so a file whose boxes end exactly at
    /// its length is whole, and one cut short is not. Used when the server gave no other way to tell.
    /// </summary>
    internal static class Mp4Layout
    {
        public static async Task<bool> SpansExactlyAsync(FileStream file, long length)
        {
            long restore = file.Position;
            try
            {
                var header = new byte[16];
                long offset = 0;
                while (offset < length)
                {
                    if (length - offset < 8) return false;
                    file.Seek(offset, SeekOrigin.Begin);
                    if (await ReadAsync(file, header, 8).ConfigureAwait(false) < 8) return false;
                    long size = ((long)header[0] << 24) | ((long)header[1] << 16) | ((long)header[2] << 8) | header[3];
                    if (size == 0) return true; // the last box runs to the end of the file
                    if (size == 1)
                    {
                        if (length - offset < 16 || await ReadAsync(file, header, 8).ConfigureAwait(false) < 8) return false;
                        size = 0;
                        for (int i = 0; i < 8; i++) size = (size << 8) | header[i];
                        if (size < 16) return false;
                    }
                    else if (size < 8)
                    {
                        return false;
                    }
                    offset += size;
                }
                return offset == length;
            }
            finally
            {
                file.Seek(restore, SeekOrigin.Begin);
            }
        }

        private static async Task<int> ReadAsync(FileStream file, byte[] buffer, int count)
        {
            int read = 0;
            while (read < count)
            {
                int n = await file.ReadAsync(buffer, read, count - read).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
            return read;
        }
    }
}
