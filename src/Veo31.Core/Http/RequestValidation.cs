using System;
using System.Globalization;
using System.IO;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Http
{
    /// <summary>Checks made before any request is sent, so bad input costs nothing.</summary>
    public static class RequestValidation
    {
        public static readonly string[] AspectRatios = { "auto", "16:9", "9:16" };

        /// <summary>Throws InvalidParameters for an empty, too long or control-character prompt, or a bad aspect ratio.</summary>
        public static void ValidateGenerateRequest(GenerateVideoRequest request, int maxPromptLength)
        {
            if (request == null) throw new VeoException(VeoErrorKind.InvalidParameters, "A generation request is required.");
            ValidatePrompt(request.Prompt, maxPromptLength);
            ValidateAspectRatio(request.AspectRatio ?? "auto");
            if (request.ImageUrl != null && request.ImageUrl.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image URL is empty.");
            if (request.ImageKey != null && request.ImageKey.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image key is empty.");
        }

        /// <summary>Throws InvalidParameters unless the aspect ratio is auto, 16:9 or 9:16 (exactly, lower case).</summary>
        public static void ValidateAspectRatio(string ratio)
        {
            if (Array.IndexOf(AspectRatios, ratio) < 0)
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "The aspect ratio '" + Text.ServerText.Message(ratio) + "' is not supported; use auto, 16:9 or 9:16.");
        }

        /// <summary>An aspect ratio as users give it: empty (a CSV cell left blank) means auto; letter case does not matter.</summary>
        public static string NormalizeAspectRatio(string? ratio)
            => string.IsNullOrWhiteSpace(ratio) ? "auto" : ratio!.Trim().ToLowerInvariant();

        /// <summary>Throws InvalidParameters for an empty, white-space-only, too long or control-character prompt.</summary>
        public static void ValidatePrompt(string? text, int maxPromptLength)
        {
            string prompt = text ?? "";
            if (prompt.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The prompt is required and must not be empty or only white space.");
            if (prompt.Length > maxPromptLength)
                throw new VeoException(VeoErrorKind.InvalidParameters, string.Format(CultureInfo.InvariantCulture,
                    "The prompt is {0} characters long; the limit is {1} characters.", prompt.Length, maxPromptLength));
            for (int i = 0; i < prompt.Length; i++)
            {
                char c = prompt[i];
                if (char.IsControl(c) && c != '\t' && c != '\r' && c != '\n')
                    throw new VeoException(VeoErrorKind.InvalidParameters, string.Format(CultureInfo.InvariantCulture,
                        "The prompt contains the control character U+{0:X4} at position {1}; only tab, carriage return and line feed are allowed.", (int)c, i));
            }
        }

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

        internal static string ContentType(ImageFormat format)
            => format == ImageFormat.Jpeg ? "image/jpeg" : format == ImageFormat.Png ? "image/png" : "image/webp";

        internal static string Extension(ImageFormat format)
            => format == ImageFormat.Jpeg ? ".jpg" : format == ImageFormat.Png ? ".png" : ".webp";

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
