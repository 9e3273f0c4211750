namespace Veo31.Emulator;

/// <summary>Recognises the accepted upload formats (JPEG, PNG, WebP) by their magic bytes.</summary>
internal sealed record ImageFormat(string Name, string ContentType, string Extension)
{
    public const int BytesNeeded = 12;

    public static readonly ImageFormat Jpeg = new("jpeg", "image/jpeg", ".jpg");
    public static readonly ImageFormat Png = new("png", "image/png", ".png");
    public static readonly ImageFormat WebP = new("webp", "image/webp", ".webp");

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The format of a file starting with <paramref name="head"/>, or null when it is none of the accepted ones.</summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return Jpeg;
        if (head.Length >= 8 && head[..8].SequenceEqual(PngSignature)) return Png;
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return WebP;
        return null;
    }
}
