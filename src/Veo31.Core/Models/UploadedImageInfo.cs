namespace Veo31.Core.Models
{
    public sealed class UploadedImageInfo
    {
        public string ImageUrl { get; set; } = "";
        public string ImageKey { get; set; } = "";
        public string SourcePath { get; set; } = "";
        public long Length { get; set; }
        /// <summary>Format found from the file's magic bytes: Jpeg, Png or WebP.</summary>
        public ImageFormat Format { get; set; }
        /// <summary>The file uploaded and the hash of the bytes sent.</summary>
        public SourceImageInfo? Source { get; set; }
    }
}
