using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.Core.Files
{
    /// <summary>SHA-256 as lower-case hex, the form Get-FileHash shows (letter case aside) and provenance files record.</summary>
    internal static class Sha256Hex
    {
        public static string Of(byte[] hash)
        {
            var sb = new StringBuilder(hash.Length * 2);
            foreach (byte b in hash) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Hashes the stream from its current position to its end.</summary>
        public static async Task<string> OfStreamAsync(Stream stream, CancellationToken cancellationToken)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                hash.AppendData(buffer, 0, read);
            return Of(hash.GetHashAndReset());
        }
    }
}
