using Veo31.Core.Errors;
using Veo31.Core.Files;
using Xunit;

namespace Veo31.Core.Tests;

public class SafeFileNamesTests
{
    [Theory]
    [InlineData("video-uuid-123", "video-uuid-123.mp4")]
    [InlineData("a/b\\c", "a_b_c.mp4")]
    [InlineData("../../etc/passwd", "_._etc_passwd.mp4")]
    [InlineData("a..b", "a.b.mp4")]
    [InlineData("CON", "_CON.mp4")]
    [InlineData("lpt1", "_lpt1.mp4")]
    [InlineData("...x...", "x.mp4")]
    [InlineData("ünïcode id", "_n_code_id.mp4")]
    public void FromUuid_gives_plain_names(string uuid, string expected)
        => Assert.Equal(expected, SafeFileNames.FromUuid(uuid));

    [Fact]
    public void FromUuid_output_never_contains_dotdot_or_separators()
    {
        foreach (string hostile in new[] { "../x", "a/../b", "..\\..\\x", "....//y" , "a..b" })
        {
            string name = SafeFileNames.FromUuid(hostile);
            Assert.DoesNotContain('/', name);
            Assert.DoesNotContain('\\', name);
            Assert.DoesNotContain("..", name);
            Assert.False(name.StartsWith('.'));
            Assert.Equal(Path.Combine("/tmp/x", name), SafeFileNames.ResolveInside("/tmp/x", name));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("///")]
    [InlineData("...")]
    public void FromUuid_refuses_ids_with_nothing_usable(string uuid)
        => Assert.Equal(VeoErrorKind.UnsafePath, Assert.Throws<VeoException>(() => SafeFileNames.FromUuid(uuid)).Kind);

    [Fact]
    public void FromUuid_uses_the_extension()
    {
        Assert.Equal("abc.webm", SafeFileNames.FromUuid("abc", ".webm"));
        Assert.Equal("abc.webm", SafeFileNames.FromUuid("abc", "webm"));
        Assert.Equal("abc", SafeFileNames.FromUuid("abc", ""));
        Assert.Throws<VeoException>(() => SafeFileNames.FromUuid("abc", "./../x"));
    }

    [Fact]
    public void ResolveInside_gives_a_path_inside_the_folder()
    {
        string dir = Path.GetTempPath();
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "clip.mp4"), SafeFileNames.ResolveInside(dir, "clip.mp4"));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../escape.mp4")]
    [InlineData("a/../../escape.mp4")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/dir.mp4")]
    [InlineData("sub\\dir.mp4")]
    [InlineData("CON")]
    [InlineData("con.mp4")]
    [InlineData("NUL.txt")]
    [InlineData("COM1.mp4")]
    [InlineData("lpt9")]
    [InlineData("AUX .mp4")]
    [InlineData("clip.mp4.")]
    [InlineData("clip.mp4 ")]
    [InlineData("a:b.mp4")]
    [InlineData("a*b.mp4")]
    [InlineData("a?b.mp4")]
    [InlineData("a<b>.mp4")]
    [InlineData("a|b.mp4")]
    [InlineData("a\"b.mp4")]
    [InlineData("a\0b.mp4")]
    [InlineData("a\nb.mp4")]
    [InlineData("")]
    [InlineData(" ")]
    public void ResolveInside_refuses_unsafe_names(string name)
    {
        var ex = Assert.Throws<VeoException>(() => SafeFileNames.ResolveInside(Path.GetTempPath(), name));
        Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
    }

    [Theory]
    [InlineData("COM10.mp4")]
    [InlineData("CONSOLE.mp4")]
    [InlineData("my.con")]
    [InlineData("clip.final.mp4")]
    public void ResolveInside_allows_names_that_only_look_reserved(string name)
        => Assert.EndsWith(name, SafeFileNames.ResolveInside(Path.GetTempPath(), name));
}
