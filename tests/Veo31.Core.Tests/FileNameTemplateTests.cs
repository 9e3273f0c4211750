using System.Security.Cryptography;
using System.Text;
using Veo31.Core.Errors;
using Veo31.Core.Files;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Save-VeoVideo's -FileNameTemplate rules: tokens, the {ImageName} fallback and the {Prompt} slug.</summary>
public class FileNameTemplateTests
{
    private static readonly DateTimeOffset Created = new(2025, 10, 16, 10, 0, 5, TimeSpan.FromHours(2));

    private static FileNameValues Values(string? image = "beach.png", string? prompt = "A calm sea") => new()
    {
        Uuid = "3f2a-uuid",
        Date = Created,
        ImageFileName = image,
        Prompt = prompt,
    };

    [Theory]
    [InlineData("{Uuid}.mp4", "3f2a-uuid.mp4")]
    [InlineData("{ImageName}.mp4", "beach.mp4")]
    [InlineData("{Prompt}.mp4", "a-calm-sea.mp4")]
    [InlineData("{Date}-{ImageName}-{Prompt}.mp4", "20251016-080005-beach-a-calm-sea.mp4")]
    [InlineData("clip.mp4", "clip.mp4")]
    [InlineData("{imagename}_{UUID}.mp4", "beach_3f2a-uuid.mp4")]
    public void Tokens_are_replaced_ignoring_letter_case(string template, string expected)
        => Assert.Equal(expected, FileNameTemplate.Parse(template).Expand(Values()));

    [Theory]
    [InlineData("{Foo}.mp4", "the unknown token {Foo}")]
    [InlineData("{Image Name}.mp4", "the unknown token {Image Name}")]
    [InlineData("{}.mp4", "the unknown token {}")]
    [InlineData("{Uuid.mp4", "a '{' that is never closed")]
    [InlineData("{Uuid{Date}}.mp4", "a '{' that is never closed")]
    [InlineData("Uuid}.mp4", "a '}' that closes no token")]
    public void An_unknown_token_or_a_lone_brace_is_refused_with_the_known_tokens_listed(string template, string problem)
    {
        var error = Assert.Throws<VeoException>(() => FileNameTemplate.Parse(template));
        Assert.Equal(VeoErrorKind.InvalidParameters, error.Kind);
        Assert.Contains(problem, error.Message);
        Assert.Contains("{Uuid}, {Date}, {ImageName}, {Prompt}", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("...")]
    public void ImageName_without_a_source_image_is_the_uuid(string? image)
        => Assert.Equal("3f2a-uuid.mp4", FileNameTemplate.Parse("{ImageName}.mp4").Expand(Values(image)));

    [Theory]
    [InlineData("my beach.png", "my beach")]
    [InlineData("archive.tar.gz", "archive.tar")]
    [InlineData("a..b.png", "a.b")]
    [InlineData("føto über 日本.png", "føto über 日本")]
    [InlineData("a:b|c?.png", "a_b_c_")]
    [InlineData("CON.png", "_CON")]
    [InlineData(" .hidden.png", "hidden")]
    [InlineData("noext", "noext")]
    public void ImageStem_keeps_the_users_name_except_what_a_file_name_cannot_hold(string file, string expected)
        => Assert.Equal(expected, FileNameTemplate.ImageStem(file));

    [Theory]
    [InlineData("A calm sea", "a-calm-sea")]
    [InlineData("Crème brûlée at dawn", "creme-brulee-at-dawn")]
    [InlineData("pan/left\\then ../../right", "pan-left-then-right")]
    [InlineData("  [seconds=1]   drone shot!!  ", "seconds-1-drone-shot")]
    [InlineData("CON", "prompt-con")]
    [InlineData("nul.", "prompt-nul")]
    [InlineData("com1", "prompt-com1")]
    public void PromptSlug_is_lower_case_words_joined_by_dashes(string prompt, string expected)
        => Assert.Equal(expected, FileNameTemplate.PromptSlug(prompt));

    [Fact]
    public void A_long_prompt_gives_at_most_40_characters_cut_at_a_word_end()
    {
        string slug = FileNameTemplate.PromptSlug("a slow cinematic pan across the windswept dunes at golden hour with gulls");
        Assert.Equal("a-slow-cinematic-pan-across-the", slug);
        Assert.True(slug.Length <= FileNameTemplate.MaxSlugLength);

        string oneWord = FileNameTemplate.PromptSlug(new string('x', 300));
        Assert.Equal(new string('x', 40), oneWord);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("?!*//\\..")]
    [InlineData("日本の海")]
    [InlineData("")]
    [InlineData(null)]
    public void A_prompt_without_latin_letters_or_digits_gives_prompt_and_a_short_hash(string? prompt)
    {
        string slug = FileNameTemplate.PromptSlug(prompt);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prompt ?? ""))).Substring(0, 8);
        Assert.Equal("prompt-" + hash, slug);
    }

    [Fact]
    public void Two_prompts_in_another_script_give_different_slugs()
        => Assert.NotEqual(FileNameTemplate.PromptSlug("日本の海"), FileNameTemplate.PromptSlug("東京の夜"));

    [Theory]
    [InlineData("A calm sea")]
    [InlineData("..")]
    [InlineData("CON")]
    [InlineData("pan/left\\then ../../right")]
    [InlineData("日本の海")]
    public void Every_slug_is_a_safe_file_name_inside_the_destination(string prompt)
    {
        string slug = FileNameTemplate.PromptSlug(prompt);
        Assert.Matches("^[a-z0-9-]{1,40}$", slug);
        string name = FileNameTemplate.Parse("{Prompt}.mp4").Expand(Values(prompt: prompt));
        Assert.Equal(Path.Combine(Path.GetTempPath(), name), SafeFileNames.ResolveInside(Path.GetTempPath(), name));
    }
}

/// <summary>A video name always fits a file system, with room for the download's temporary suffix and the provenance file.</summary>
public class FileNameLengthTests
{
    [Theory]
    [InlineData(80, 0x6F22)]   // 3 bytes each in UTF-8
    [InlineData(300, 'x')]
    [InlineData(120, 0x1F600)] // a surrogate pair each
    public void A_long_image_name_is_shortened_between_whole_characters_to_fit(int count, int codePoint)
    {
        string stem = string.Concat(Enumerable.Repeat(char.ConvertFromUtf32(codePoint), count));
        var template = Veo31.Core.Files.FileNameTemplate.Parse("{ImageName}-{Prompt}.mp4");
        string name = template.Expand(new Veo31.Core.Files.FileNameValues { Uuid = Guid.NewGuid().ToString(), ImageFileName = stem + ".png", Prompt = "a slow pan" });
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(name) <= Veo31.Core.Files.FileNameTemplate.MaxNameBytes, name);
        Assert.EndsWith("-a-slow-pan.mp4", name);
        Assert.DoesNotContain('\uFFFD', System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void A_template_too_long_on_its_own_is_an_UnsafePath_error_naming_the_template()
    {
        var template = Veo31.Core.Files.FileNameTemplate.Parse(new string('y', 240) + "{Uuid}.mp4");
        var ex = Assert.Throws<Veo31.Core.Errors.VeoException>(() => template.Expand(new Veo31.Core.Files.FileNameValues { Uuid = Guid.NewGuid().ToString() }));
        Assert.Equal(Veo31.Core.Errors.VeoErrorKind.UnsafePath, ex.Kind);
    }
}
