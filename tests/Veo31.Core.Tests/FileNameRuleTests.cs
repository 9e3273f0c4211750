using Veo31.Core.Errors;
using Veo31.Core.Files;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The rules that keep a name a server chose from landing anywhere but a plain file in the chosen folder.</summary>
public class FileNameRuleTests
{
    public static readonly TheoryData<string> ReservedDeviceNames = new()
    {
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private static string Folder => Path.GetTempPath();

    private static VeoException Refused(string name)
    {
        var ex = Assert.Throws<VeoException>(() => SafeFileNames.ResolveInside(Folder, name));
        Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
        return ex;
    }

    [Theory]
    [MemberData(nameof(ReservedDeviceNames))]
    public void Every_reserved_device_name_is_refused_in_any_case_and_with_any_extension(string device)
    {
        foreach (string name in new[] { device, device.ToLowerInvariant(), device + ".mp4", device.ToLowerInvariant() + ".tar.gz", device + "  .mp4" })
            Assert.Contains("reserved device name", Refused(name).Message);
        Assert.True(SafeFileNames.IsReservedName(device));
    }

    // The list above is a copy of the code's list, so it cannot show a name missing from both. Windows also
    // treats the ISO 8859-1 superscript digits as COM/LPT digits (learn.microsoft.com, "Naming Files, Paths, and
    // Namespaces"), and CreateFile opens the console for CONIN$ and CONOUT$: each of these names a device, not a file.
    [Theory]
    [InlineData("COM\u00B9")]
    [InlineData("COM\u00B2")]
    [InlineData("COM\u00B3")]
    [InlineData("LPT\u00B9")]
    [InlineData("LPT\u00B2")]
    [InlineData("LPT\u00B3")]
    [InlineData("CONIN$")]
    [InlineData("CONOUT$")]
    public void The_device_names_Windows_adds_to_the_classic_list_are_refused_too(string device)
    {
        foreach (string name in new[] { device, device.ToLowerInvariant(), device + ".mp4" })
            Assert.Contains("reserved device name", Refused(name).Message);
        Assert.Equal("_" + device, SafeFileNames.FromLocalStem(device));
    }

    [Theory]
    [MemberData(nameof(ReservedDeviceNames))]
    public void A_uuid_that_is_a_reserved_device_name_gets_a_leading_underscore(string device)
    {
        Assert.Equal("_" + device + ".mp4", SafeFileNames.FromUuid(device));
        Assert.Equal("_" + device.ToLowerInvariant() + ".mp4", SafeFileNames.FromUuid(device.ToLowerInvariant()));
        Assert.Equal("_" + device + ".x.mp4", SafeFileNames.FromUuid(device + ".x"));
    }

    [Theory]
    [InlineData("COM0")]
    [InlineData("LPT10")]
    [InlineData("CONIN")]
    [InlineData("PRNT")]
    [InlineData("NULL")]
    [InlineData("xAUX")]
    [InlineData("clip.con")]
    public void A_name_that_only_starts_or_ends_like_a_device_is_not_reserved(string name)
    {
        Assert.False(SafeFileNames.IsReservedName(name));
        Assert.Equal(name + ".mp4", SafeFileNames.FromUuid(name));
        Assert.EndsWith(Path.DirectorySeparatorChar + name, SafeFileNames.ResolveInside(Folder, name));
    }

    [Fact]
    public void A_uuid_keeps_only_letters_digits_dot_underscore_and_dash()
    {
        // The neighbours of every allowed range: @ [ ` { / : and a space.
        Assert.Equal("AZaz09._-_______.mp4", SafeFileNames.FromUuid("AZaz09._-@[`{/: "));
        Assert.Equal("Mm5.mp4", SafeFileNames.FromUuid("Mm5"));
    }

    [Theory]
    [InlineData("a..b", "a.b.mp4")]
    [InlineData("a....b", "a.b.mp4")]
    [InlineData("a._.b", "a._.b.mp4")]
    [InlineData(".hidden", "hidden.mp4")]
    [InlineData("trailing.", "trailing.mp4")]
    [InlineData("x", "x.mp4")]
    public void A_uuid_never_gives_a_dot_run_nor_a_leading_or_trailing_dot(string uuid, string name)
        => Assert.Equal(name, SafeFileNames.FromUuid(uuid));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("___")]
    [InlineData("/:*")]
    [InlineData(".")]
    public void A_uuid_with_nothing_usable_names_no_file(string? uuid)
    {
        var ex = Assert.Throws<VeoException>(() => SafeFileNames.FromUuid(uuid!));
        Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
    }

    [Fact]
    public void A_long_uuid_is_cut_to_200_characters_without_a_trailing_dot()
    {
        Assert.Equal(new string('a', 200) + ".mp4", SafeFileNames.FromUuid(new string('a', 250)));
        Assert.Equal(new string('b', 200) + ".mp4", SafeFileNames.FromUuid(new string('b', 200)));
        Assert.Equal(new string('c', 199) + ".mp4", SafeFileNames.FromUuid(new string('c', 199) + ".d"));
    }

    [Theory]
    [InlineData("mp4", "id.mp4")]
    [InlineData(".webm", "id.webm")]
    [InlineData(".", "id")]
    [InlineData("", "id")]
    [InlineData(null, "id")]
    [InlineData("M4v_-9", "id.M4v_-9")]
    public void The_extension_is_one_plain_suffix(string? extension, string name)
        => Assert.Equal(name, SafeFileNames.FromUuid("id", extension!));

    [Theory]
    [InlineData(".tar.gz")]
    [InlineData("mp4/../x")]
    [InlineData(".mp 4")]
    [InlineData("..")]
    public void An_extension_that_is_not_one_plain_suffix_is_refused(string extension)
    {
        var ex = Assert.Throws<VeoException>(() => SafeFileNames.FromUuid("id", extension));
        Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
        Assert.Contains("'" + extension + "'", ex.Message);
    }

    [Theory]
    [InlineData("~")]
    [InlineData("~clip.mp4")]
    [InlineData("a\u001fb.mp4")]
    [InlineData("a\u007fb.mp4")]
    [InlineData("a\\b.mp4")]
    [InlineData("a>b.mp4")]
    [InlineData(" clip.mp4")]
    [InlineData(".")]
    [InlineData("x..y")]
    public void A_file_name_that_could_escape_or_misbehave_is_refused(string name)
        => Assert.Contains("is not safe", Refused(name).Message);

    [Fact]
    public void A_refused_character_is_named_by_its_code_point()
        => Assert.Contains("it contains the character U+007F", Refused("a\u007fb.mp4").Message);

    [Theory]
    [InlineData("a b.mp4")]
    [InlineData("clip~1.mp4")]
    [InlineData("été.mp4")]
    [InlineData(".hidden")]
    public void A_plain_file_name_is_kept_as_it_is(string name)
        => Assert.Equal(Path.Combine(Path.GetFullPath(Folder), name), SafeFileNames.ResolveInside(Folder, name));

    [Fact]
    public void A_file_name_resolves_inside_a_folder_given_with_or_without_a_trailing_separator()
    {
        string root = Directory.CreateTempSubdirectory("veo-names-").FullName;
        try
        {
            string expected = Path.Combine(root, "clip.mp4");
            Assert.Equal(expected, SafeFileNames.ResolveInside(root, "clip.mp4"));
            Assert.Equal(expected, SafeFileNames.ResolveInside(root + Path.DirectorySeparatorChar, "clip.mp4"));
            string filesystemRoot = Path.GetPathRoot(root)!;
            Assert.Equal(Path.Combine(filesystemRoot, "clip.mp4"), SafeFileNames.ResolveInside(filesystemRoot, "clip.mp4"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Theory]
    [InlineData(".", "it contains '..'")]
    [InlineData("..", "it contains '..'")]
    [InlineData("~x", "it is a rooted path")]
    [InlineData("a<b.mp4", "it contains the character U+003C")]
    [InlineData("x.", "it starts with a space or ends with a dot or a space")]
    [InlineData("NUL", "it is a reserved device name on Windows")]
    public void A_refused_file_name_says_why(string name, string why)
        => Assert.Equal($"The file name '{name}' is not safe: {why}.", Assert.Throws<VeoException>(() => SafeFileNames.CheckFileName(name)).Message);

    [Fact]
    public void An_empty_file_name_is_refused_as_missing()
        => Assert.Equal("A file name is required.", Assert.Throws<VeoException>(() => SafeFileNames.CheckFileName("")).Message);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("bad\0folder")]
    public void A_missing_or_invalid_destination_folder_is_refused(string? folder)
    {
        var ex = Assert.Throws<VeoException>(() => SafeFileNames.ResolveInside(folder!, "clip.mp4"));
        Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
    }
    // ---- A local file's name as part of another name.

    [Theory]
    [InlineData("\u061C")]
    [InlineData("\u200E")]
    [InlineData("\u200F")]
    [InlineData("\u202A")]
    [InlineData("\u202C")]
    [InlineData("\u202E")]
    [InlineData("\u2066")]
    [InlineData("\u2068")]
    [InlineData("\u2069")]
    [InlineData("\u0001")]
    [InlineData("\u007F")]
    [InlineData("<")]
    [InlineData("*")]
    public void Every_bidi_control_control_character_and_Windows_invalid_character_in_a_local_name_becomes_an_underscore(string c)
        => Assert.Equal("a_b", SafeFileNames.FromLocalStem("a" + c + "b"));

    [Theory]
    [InlineData("\u2029")] // next to the bidi ranges, but not a control of them
    [InlineData("\u202F")]
    [InlineData("\u2065")]
    [InlineData("\u206A")]
    [InlineData("\u061B")]
    public void Characters_beside_the_bidi_controls_are_kept(string c)
        => Assert.Equal("a" + c + "b", SafeFileNames.FromLocalStem("a" + c + "b"));

    [Fact]
    public void Only_a_leading_tilde_is_replaced_in_a_local_name()
    {
        Assert.Equal("_draft", SafeFileNames.FromLocalStem("~draft"));
        Assert.Equal("draft", SafeFileNames.FromLocalStem("draft"));
    }

    [Fact]
    public void A_long_name_is_cut_to_its_byte_limit_between_whole_characters()
    {
        Assert.Equal("aaaa", SafeFileNames.Truncate(new string('a', 10), 4));
        Assert.Equal("aaaaa", SafeFileNames.Truncate("aaaaa\u00e9", 6)); // the two-byte é does not fit in the sixth byte
        Assert.Equal("ab", SafeFileNames.Truncate("ab", 2));
    }

    [Fact]
    public void A_name_fits_when_both_its_UTF16_length_and_its_UTF8_bytes_are_within_the_limit()
    {
        Assert.True(SafeFileNames.FitsFileName("abcd", 4));
        Assert.True(SafeFileNames.FitsFileName("ab\u00e9", 4));
        Assert.False(SafeFileNames.FitsFileName("abc\u00e9", 4));
        Assert.False(SafeFileNames.FitsFileName("abcde", 4));
    }

    [Fact]
    public void A_relative_name_for_a_place_that_is_not_a_folder_is_the_name_itself_with_forward_slashes()
        => Assert.Equal("clip.mp4", SafeFileNames.RelativeInside("clip.mp4"));
    [Fact]
    public void A_destination_folder_given_with_a_trailing_separator_takes_the_name_inside_it()
    {
        string folder = Path.Combine(Path.GetTempPath(), "veo-trailing") + Path.DirectorySeparatorChar;
        Assert.Equal(Path.Combine(Path.GetTempPath(), "veo-trailing", "clip.mp4"), SafeFileNames.ResolveInside(folder, "clip.mp4"));
    }
}
