using System;
using System.Globalization;
using System.IO;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Validation
{
    /// <summary>The rules an image file meets before it is uploaded: it exists, fits the size limit, and is JPEG, PNG or WebP by its content.</summary>
    public static class ImageFileRules
    {
        /// <summary>Magic-byte format of a file: Jpeg, Png, WebP or Unknown.</summary>
        public static ImageFormat DetectImageFormat(string path)
        {
            var header = new byte[12];
            int read;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
                read = ReadAtLeast(stream, header);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new VeoException(VeoErrorKind.ImageFormatNotSupported, "The image file cannot be read: " + ex.Message, ex);
            }
            return DetectImageFormat(header, read);
        }

        internal static ImageFormat DetectImageFormat(byte[] header, int length)
        {
            if (length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF) return ImageFormat.Jpeg;
            if (length >= 8 && header[0] == 0x89 && header[1] == 0x50 && header[2] == 0x4E && header[3] == 0x47
                && header[4] == 0x0D && header[5] == 0x0A && header[6] == 0x1A && header[7] == 0x0A) return ImageFormat.Png;
            if (length >= 12 && header[0] == (byte)'R' && header[1] == (byte)'I' && header[2] == (byte)'F' && header[3] == (byte)'F'
                && header[8] == (byte)'W' && header[9] == (byte)'E' && header[10] == (byte)'B' && header[11] == (byte)'P') return ImageFormat.WebP;
            return ImageFormat.Unknown;
        }

        /// <summary>Throws ImageFormatNotSupported or ImageTooLarge; returns the format otherwise.</summary>
        public static ImageFormat ValidateImageFile(string path, long maxBytes)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new VeoException(VeoErrorKind.InvalidParameters, "An image path is required.");
            FileInfo info;
            try
            {
                info = new FileInfo(path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is UnauthorizedAccessException)
            {
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image path is not valid: " + ex.Message, ex);
            }
            if (!info.Exists)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image file '" + path + "' does not exist.");
            if (info.Length > maxBytes)
                throw new VeoException(VeoErrorKind.ImageTooLarge, string.Format(CultureInfo.InvariantCulture,
                    "The image is {0:N0} bytes; the limit is {1:N0} bytes ({2:0.#} MB).", info.Length, maxBytes, maxBytes / 1048576.0));
            ImageFormat format = DetectImageFormat(info.FullName);
            if (format == ImageFormat.Unknown)
                throw new VeoException(VeoErrorKind.ImageFormatNotSupported,
                    "The file '" + info.Name + "' is not a JPEG, PNG or WebP image (checked by its content, not its extension).");
            return format;
        }

        private static int ReadAtLeast(Stream stream, byte[] buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer, total, buffer.Length - total);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
    }
}
