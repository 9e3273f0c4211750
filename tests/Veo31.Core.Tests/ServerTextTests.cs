using System.Text;
using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Json;
using Veo31.Core.Models;
using Veo31.Core.Text;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Text the server sends never reaches a reader with control characters in it, nor at any length.</summary>
public class ServerTextTests
{
    /// <summary>C0, DEL, C1, and the bidirectional controls: none may appear in anything shown.</summary>
    internal static void AssertPrintable(string? text)
    {
        if (text == null) return;
        foreach (char c in text)
        {
            Assert.False(char.IsControl(c), $"U+{(int)c:X4} in '{text}'");
            Assert.False(c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'),
                $"U+{(int)c:X4} in '{text}'");
        }
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b]52;c;aGk=\u0007b", "a]52;c;aGk=b")]
    [InlineData("erase\u001b[2K\rline", "erase[2K line")]
    [InlineData("c1\u009b2Jcsi\u0085next", "c12Jcsi next")]
    [InlineData("tab\there\nnew\r\nline", "tab here new  line")]
    [InlineData("rtl\u202eevil\u202c\u2066x\u2069\u200f", "rtlevilx")]
    [InlineData("nul\u0000del\u007f", "nuldel")]
    [InlineData("emoji 🎬 kept, é kept, 日本 kept", "emoji 🎬 kept, é kept, 日本 kept")]
    public void Clean_removes_controls_and_keeps_printable_text(string input, string expected)
    {
        Assert.Equal(expected, ServerText.Message(input));
        Assert.True(ServerText.IsSafe(expected));
        Assert.Equal(ServerText.IsSafe(input), input == expected);
    }

    [Fact]
    public void Long_text_is_cut_with_an_ellipsis_and_never_splits_a_surrogate_pair()
    {
        string shown = ServerText.Message(new string('a', 10_000))!;
        Assert.Equal(ServerText.MaxMessageLength + ServerText.Ellipsis.Length, shown.Length);
        Assert.EndsWith("a" + ServerText.Ellipsis, shown);

        string emoji = new string('a', ServerText.MaxMessageLength - 1) + "🎬🎬";
        string cut = ServerText.Message(emoji)!;
        Assert.EndsWith("a" + ServerText.Ellipsis, cut);
        Assert.Equal(ServerText.MaxMessageLength, ServerText.Message(new string('b', ServerText.MaxMessageLength))!.Length);
        Assert.True(ServerText.Field(new string('p', 3000))!.Length == 3000, "a prompt-sized field is kept whole");
    }

    [Fact]
    public void A_lone_surrogate_becomes_a_replacement_character()
        => Assert.Equal("a\uFFFDb", ServerText.Message("a\ud800b"));

    [Fact]
    public void Urls_keep_working_with_unsafe_characters_percent_encoded()
    {
        Assert.Equal("https://cdn.example/v.mp4?sig=abc", ServerText.Url("https://cdn.example/v.mp4?sig=abc"));
        Assert.Equal("https://cdn.example/v%1B%5D52.mp4%0A%C2%9B", ServerText.Url("https://cdn.example/v\u001b%5D52.mp4\n\u009b"));
    }

    private static JsonElement Data(string json) => ApiResponseInterpreter.GetDataOrThrow(200, Encoding.UTF8.GetBytes(json), null);

    [Fact]
    public void Every_text_of_a_job_is_cleaned_where_it_is_parsed()
    {
        var job = VideoJobParser.Parse(Data("""
            { "code": 0, "msg": "ok\u001b[2J",
              "data": { "uuid": "u-1", "status": "queued\u001b[31m", "prompt": "fox\u0007\u009b", "generationType": "t\u001b",
                        "aspectRatio": "16:9\u0000", "videoUrl": "https://cdn/x\u001b.mp4", "failReason": "bad\u001b]52;c;aGk=\u0007",
                        "note\u001b[1m": "x\u009by", "nested": { "k": "\u001b" } } }
            """));
        // A status nobody documented that carries a failure reason is a terminal failure (JobStatusRules).
        Assert.Equal(VideoStatus.Failed, job.Status);
        Assert.Equal("queued[31m", job.RawStatus);
        Assert.Equal("fox", job.Prompt);
        Assert.Equal("https://cdn/x%1B.mp4", job.VideoUrl);
        Assert.Equal("bad]52;c;aGk=", job.FailureReason);
        foreach (string? text in new[] { job.GenerationType, job.AspectRatio }.Concat(job.AdditionalFields.Keys).Concat(job.AdditionalFields.Values))
            AssertPrintable(text);
        Assert.True(job.AdditionalFields.ContainsKey("note[1m"));
    }

    [Fact]
    public void A_known_status_is_still_recognised_and_a_status_with_a_lone_surrogate_is_no_crash()
    {
        Assert.Equal(VideoStatus.Completed, VideoJobParser.Parse(Data("""{ "code": 0, "data": { "uuid": "u", "status": "completed" } }""")).Status);
        var odd = VideoJobParser.Parse(Data("""{ "code": 0, "msg": "\ud800", "data": { "uuid": "u", "status": "\ud800x", "prompt": "\udc00" } }"""));
        Assert.Equal(VideoStatus.Unknown, odd.Status);
        AssertPrintable(odd.RawStatus);
        AssertPrintable(odd.Prompt);
    }

    [Theory]
    [InlineData("""{ "code": 0, "data": { "uuid": "abc\u001b[2K", "status": "pending" } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "abc\u009b", "status": "pending" } }""")]
    public void An_id_with_control_characters_is_refused_not_changed(string json)
    {
        var ex = Assert.Throws<VeoException>(() => VideoJobParser.Parse(Data(json)));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        AssertPrintable(ex.Message);
    }

    [Fact]
    public void An_uploaded_image_key_with_control_characters_is_refused_and_its_url_made_safe()
    {
        var ex = Assert.Throws<VeoException>(() => UploadedImageParser.Parse(Data("""{ "code": 0, "data": { "imageUrl": "https://x/i", "imageKey": "k\u0007" } }""")));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        var image = UploadedImageParser.Parse(Data("""{ "code": 0, "data": { "imageUrl": "https://x/i\u001b.png", "imageKey": "k" } }"""));
        Assert.Equal("https://x/i%1B.png", image.ImageUrl);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1002)]
    [InlineData(5000)]
    [InlineData(4242)]
    public void Error_messages_built_from_msg_hold_no_control_character(int code)
    {
        string body = "{ \"code\": " + code + ", \"msg\": \"no\\u001b]52;c;aGk=\\u0007 way\\u009b2J" + new string('!', 2000) + "\" }";
        var ex = Assert.Throws<VeoException>(() => ApiResponseInterpreter.GetDataOrThrow(400, Encoding.UTF8.GetBytes(body), null));
        AssertPrintable(ex.Message);
        AssertPrintable(ex.ApiMessage);
        Assert.Contains("no]52;c;aGk= way2J", ex.Message);
        Assert.True(ex.Message.Length < ServerText.MaxMessageLength + 200, $"message of {ex.Message.Length} characters");
    }

    [Fact]
    public async Task Nothing_shown_from_a_hostile_server_holds_a_control_character()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var log = new RecordingLog();
        using var scope = Veo31.Core.Logging.VeoLogScope.Use(log);

        var submitted = await h.GenerateAsync("a fox [fail] [escapes]");
        var failed = await h.WaitCompletedAsync(submitted.Uuid);
        Assert.Equal(VideoStatus.Failed, failed.Status);
        foreach (var job in new[] { submitted, failed })
        {
            AssertPrintable(job.Prompt);
            AssertPrintable(job.FailureReason);
            AssertPrintable(job.RawStatus);
            foreach (var field in job.AdditionalFields) { AssertPrintable(field.Key); AssertPrintable(field.Value); }
        }
        Assert.StartsWith("Video generation failed", failed.FailureReason);
        Assert.InRange(failed.FailureReason!.Length, 100, ServerText.MaxMessageLength + ServerText.Ellipsis.Length);

        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.EscapeText, count: 1);
        var status = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(submitted.Uuid, CancellationToken.None));
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.EscapeText, count: 1);
        var generate = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("a bear"));
        foreach (var ex in new[] { status, generate })
        {
            Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
            AssertPrintable(ex.Message);
            AssertPrintable(ex.ApiMessage);
        }
        foreach (string line in log.Lines) AssertPrintable(line);
    }
}
