using Veo31.Core.Errors;
using Veo31.Core.Validation;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

public class RequestRuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-validation-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static VeoException Invalid(GenerateVideoRequest request, int max = 2000)
        => Assert.Throws<VeoException>(() => GenerateRequestRules.ValidateGenerateRequest(request, max));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t")]
    public void Empty_prompt_is_refused(string prompt)
        => Assert.Equal(VeoErrorKind.InvalidParameters, Invalid(new GenerateVideoRequest { Prompt = prompt }).Kind);

    [Fact]
    public void Too_long_prompt_names_the_limit()
    {
        var ex = Invalid(new GenerateVideoRequest { Prompt = new string('a', 11) }, 10);
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.Contains("10", ex.Message);
        Assert.Contains("11", ex.Message);
    }

    [Fact]
    public void Prompt_at_the_limit_is_accepted()
        => GenerateRequestRules.ValidateGenerateRequest(new GenerateVideoRequest { Prompt = new string('a', 10) }, 10);

    [Theory]
    [InlineData("a\0b")]
    [InlineData("a\u001bb")]
    [InlineData("bell\u0007")]
    [InlineData("del\u007f")]
    public void Control_characters_are_refused(string prompt)
        => Assert.Contains("control character", Invalid(new GenerateVideoRequest { Prompt = prompt }).Message);

    [Fact]
    public void Tab_and_newlines_are_allowed()
        => GenerateRequestRules.ValidateGenerateRequest(new GenerateVideoRequest { Prompt = "a cat\tsits\r\non a mat" }, 2000);

    [Theory]
    [InlineData("auto")]
    [InlineData("16:9")]
    [InlineData("9:16")]
    public void Documented_aspect_ratios_pass(string ratio)
        => GenerateRequestRules.ValidateGenerateRequest(new GenerateVideoRequest { Prompt = "x", AspectRatio = ratio }, 2000);

    [Theory]
    [InlineData("4:3")]
    [InlineData("16/9")]
    [InlineData("AUTO")]
    [InlineData("")]
    public void Other_aspect_ratios_are_refused(string ratio)
        => Assert.Equal(VeoErrorKind.InvalidParameters, Invalid(new GenerateVideoRequest { Prompt = "x", AspectRatio = ratio }).Kind);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    internal static readonly byte[] Png = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
    internal static readonly byte[] Jpeg = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1 };
    internal static readonly byte[] WebP = { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 4, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P', (byte)'V', (byte)'P', (byte)'8', (byte)' ' };

    [Fact]
    public void Formats_are_detected_by_magic_bytes_not_extension()
    {
        Assert.Equal(ImageFormat.Png, ImageFileRules.DetectImageFormat(Write("really-png.jpg", Png)));
        Assert.Equal(ImageFormat.Jpeg, ImageFileRules.DetectImageFormat(Write("photo.png", Jpeg)));
        Assert.Equal(ImageFormat.WebP, ImageFileRules.DetectImageFormat(Write("pic.bin", WebP)));
        Assert.Equal(ImageFormat.Unknown, ImageFileRules.DetectImageFormat(Write("gif.png", "GIF89a......"u8.ToArray())));
        Assert.Equal(ImageFormat.Unknown, ImageFileRules.DetectImageFormat(Write("riff.webp", "RIFF\u0004\0\0\0WAVE"u8.ToArray())));
        Assert.Equal(ImageFormat.Unknown, ImageFileRules.DetectImageFormat(Write("short.jpg", new byte[] { 0xFF, 0xD8 })));
        Assert.Equal(ImageFormat.Unknown, ImageFileRules.DetectImageFormat(Write("empty.png", Array.Empty<byte>())));
    }

    [Fact]
    public void Unsupported_format_is_refused()
    {
        var ex = Assert.Throws<VeoException>(() => ImageFileRules.ValidateImageFile(Write("fake.png", "not an image"u8.ToArray()), 1000));
        Assert.Equal(VeoErrorKind.ImageFormatNotSupported, ex.Kind);
    }

    [Fact]
    public void Too_large_image_is_refused_before_anything_else()
    {
        var bytes = new byte[2000];
        Png.CopyTo(bytes, 0);
        var ex = Assert.Throws<VeoException>(() => ImageFileRules.ValidateImageFile(Write("big.png", bytes), 1999));
        Assert.Equal(VeoErrorKind.ImageTooLarge, ex.Kind);
        Assert.Equal(ImageFormat.Png, ImageFileRules.ValidateImageFile(Write("ok.png", bytes), 2000));
    }

    [Fact]
    public void Missing_file_is_an_invalid_parameter()
    {
        var ex = Assert.Throws<VeoException>(() => ImageFileRules.ValidateImageFile(Path.Combine(_dir, "nope.png"), 1000));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
    }
}
