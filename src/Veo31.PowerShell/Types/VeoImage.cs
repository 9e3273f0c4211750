using Veo31.Core.Models;

namespace Veo31.PowerShell
{
    public enum VeoImageFormat
    {
        Unknown = 0,
        Jpeg,
        Png,
        WebP,
    }

    /// <summary>An image uploaded for image-to-video; pipe it to New-VeoVideo (ImageUrl, ImageKey and ImageSource bind by name).</summary>
    public sealed class VeoImage
    {
        internal VeoImage(string path, string imageUrl, string imageKey, VeoImageFormat format, long length)
        {
            Path = path;
            ImageUrl = imageUrl;
            ImageKey = imageKey;
            Format = format;
            Length = length;
        }

        public string Path { get; }
        public string ImageUrl { get; }
        public string ImageKey { get; }
        /// <summary>The format found from the file's content (magic bytes), not its extension.</summary>
        public VeoImageFormat Format { get; }
        public long Length { get; }
        /// <summary>The file uploaded and the SHA-256 of the bytes sent; New-VeoVideo carries it to the video and the journal.</summary>
        public VeoImageSource? ImageSource { get; internal set; }

        public override string ToString() => ImageKey;

        internal static VeoImage FromUpload(UploadedImageInfo info, string path) =>
            new VeoImage(path, info.ImageUrl, info.ImageKey, ToFormat(info.Format), info.Length) { ImageSource = VeoImageSource.FromCore(info.Source) };

        private static VeoImageFormat ToFormat(ImageFormat format) => format switch
        {
            ImageFormat.Jpeg => VeoImageFormat.Jpeg,
            ImageFormat.Png => VeoImageFormat.Png,
            ImageFormat.WebP => VeoImageFormat.WebP,
            _ => VeoImageFormat.Unknown,
        };
    }
}
