using System.IO;
using System.Security.Cryptography;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Files
{
    /// <summary>What a local image file is before it is uploaded: its name and the SHA-256 of its content now.</summary>
    public static class SourceImageFiles
    {
        public static SourceImageInfo Describe(string path)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var sha = SHA256.Create();
                byte[] hash = sha.ComputeHash(stream);
                return new SourceImageInfo { Path = Path.GetFullPath(path), Name = Path.GetFileName(path), Sha256 = Sha256Hex.Of(hash), Length = stream.Length };
            }
            catch (IOException ex)
            {
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image file '" + path + "' could not be read: " + ex.Message, ex);
            }
            catch (System.UnauthorizedAccessException ex)
            {
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image file '" + path + "' could not be read: " + ex.Message, ex);
            }
        }
    }
}
