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
}
