namespace Veo31.Core.Models
{
    /// <summary>An image format the API accepts, as found from a file's magic bytes (never from its extension).</summary>
    public enum ImageFormat
    {
        Unknown = 0,
        Jpeg,
        Png,
        WebP,
    }

    /// <summary>What each format is called on the wire and on disk.</summary>
    public static class ImageFormats
    {
        /// <summary>The MIME type sent with an upload.</summary>
        public static string ContentType(this ImageFormat format)
            => format == ImageFormat.Jpeg ? "image/jpeg" : format == ImageFormat.Png ? "image/png" : "image/webp";

        /// <summary>The file extension, with its dot.</summary>
        public static string Extension(this ImageFormat format)
            => format == ImageFormat.Jpeg ? ".jpg" : format == ImageFormat.Png ? ".png" : ".webp";
    }
}
