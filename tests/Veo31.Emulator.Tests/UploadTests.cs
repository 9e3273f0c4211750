using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

public class UploadTests
{
    private const int Limit = 4096;

    private static Task<TestEmulator> StartAsync(bool errorsHttp200 = false) =>
        TestEmulator.StartAsync(o => { o.MaxUploadBytes = Limit; o.ErrorsHttp200 = errorsHttp200; });

    public static TheoryData<string, string> Formats => new()
    {
        { "png", "image/png" },
        { "jpeg", "image/jpeg" },
        { "webp", "image/webp" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Accepted_formats_are_stored_and_served_by_the_cdn(string format, string contentType)
    {
        await using var emu = await StartAsync();
        var bytes = format switch { "png" => TestEmulator.Png(300), "jpeg" => TestEmulator.Jpeg(300), _ => TestEmulator.WebP(300) };
        bytes[^1] = 0x5A;

        var reply = (await emu.UploadAsync(bytes, fileName: "whatever.bin")).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Equal("Upload successful", reply.Json.GetProperty("msg").GetString());
        var imageUrl = reply.Data.GetProperty("imageUrl").GetString()!;
        var imageKey = reply.Data.GetProperty("imageKey").GetString()!;
        Assert.Equal($"{emu.Server.CdnBaseUri}images/{imageKey}", imageUrl);

        var served = await emu.Http.GetAsync(imageUrl);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(contentType, served.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        await using var emu = await StartAsync();
        (await emu.UploadAsync(TestEmulator.Png(Limit))).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_over_the_limit_gives_1000_with_413(bool errorsHttp200)
    {
        await using var emu = await StartAsync(errorsHttp200);
        var reply = await emu.UploadAsync(TestEmulator.Png(Limit + 1));
        reply.AssertEnvelope(1000, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(JsonValueKind.Null, reply.Data.ValueKind);
    }

    [Fact]
    public async Task A_much_larger_body_is_refused_without_reading_it_all()
    {
        await using var emu = await StartAsync();
        try
        {
            var reply = await emu.UploadAsync(TestEmulator.Png(8 * 1024 * 1024));
            reply.AssertEnvelope(1000, HttpStatusCode.RequestEntityTooLarge);
        }
        catch (HttpRequestException)
        {
            // Also acceptable: the server answered early and closed while the client was still sending.
        }
        Assert.Equal(1, emu.Server.GetStats().Requests["upload-video-image"]);
        (await emu.UploadAsync(TestEmulator.Png())).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unsupported_formats_give_1000_with_400(bool errorsHttp200)
    {
        await using var emu = await StartAsync(errorsHttp200);
        var expected = errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.BadRequest;
        (await emu.UploadAsync("GIF89a-not-accepted"u8.ToArray(), fileName: "x.png")).AssertEnvelope(1000, expected);
        (await emu.UploadAsync("plain text"u8.ToArray(), fileName: "x.jpg")).AssertEnvelope(1000, expected);
        (await emu.UploadAsync([0xFF, 0xD8], fileName: "x.jpg")).AssertEnvelope(1000, expected);
        (await emu.UploadAsync([], fileName: "x.png")).AssertEnvelope(1000, expected);
        var riffNotWebp = TestEmulator.WebP();
        "WAVE"u8.CopyTo(riffNotWebp.AsSpan(8));
        (await emu.UploadAsync(riffNotWebp, fileName: "x.webp")).AssertEnvelope(1000, expected);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_form_without_file_or_a_non_multipart_body_gives_1000(bool errorsHttp200)
    {
        await using var emu = await StartAsync(errorsHttp200);
        var expected = errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.BadRequest;
        (await emu.UploadAsync(TestEmulator.Png(), fieldName: "image")).AssertEnvelope(1000, expected);

        var request = emu.ApiRequest(HttpMethod.Post, "upload-video-image");
        request.Content = new ByteArrayContent(TestEmulator.Png());
        (await emu.SendAsync(request)).AssertEnvelope(1000, expected);
    }

    [Fact]
    public async Task Uploaded_images_are_deleted_when_the_server_is_disposed()
    {
        var emu = await StartAsync();
        var before = Directory.GetDirectories(Path.GetTempPath(), "veo31-emulator-*").ToHashSet();
        var key = (await emu.UploadAsync(TestEmulator.Png())).Data.GetProperty("imageKey").GetString()!;
        var folder = Directory.GetDirectories(Path.GetTempPath(), "veo31-emulator-*").Single(d => File.Exists(Path.Combine(d, key)));
        await emu.DisposeAsync();
        Assert.False(Directory.Exists(folder));
        _ = before;
    }
}
