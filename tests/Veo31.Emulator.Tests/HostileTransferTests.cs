using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>The misbehaviours of real servers the emulator can show: compression, changing files, hostile text, strict forms.</summary>
public class HostileTransferTests
{
    private static async Task<(TestEmulator Emu, string Url, string Uuid)> FinishedJobAsync(Action<EmulatorOptions>? configure = null, string prompt = "a fox")
    {
        var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 0.05; configure?.Invoke(o); });
        var uuid = await emu.NewJobAsync(prompt);
        var data = await emu.WaitForEndAsync(uuid);
        return (emu, data.TryGetProperty("videoUrl", out var url) ? url.GetString()! : "", uuid);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // ---------------------------------------------------------------- strict multipart

    [Theory]
    [InlineData("form-data; name=file; filename=x.png; filename*=utf-8''x.png", "filename*")]
    [InlineData("form-data; name=\"file\"; filename=\"x.png\"; filename*=utf-8''x.png", "filename*")]
    [InlineData("form-data; name=file; filename=\"x.png\"", "not a quoted string")]
    [InlineData("form-data; name=\"file\"; filename=x.png", "not a quoted string")]
    [InlineData("form-data; filename=\"x.png\"", "no name")]
    [InlineData("attachment; name=\"file\"; filename=\"x.png\"", "not form-data")]
    public async Task The_upload_parser_refuses_what_RFC_7578_does_not_allow(string disposition, string problem)
    {
        await using var emu = await TestEmulator.StartAsync();
        var reply = (await emu.UploadRawAsync(TestEmulator.Png(), disposition)).AssertEnvelope(1000, HttpStatusCode.BadRequest);
        Assert.Contains("RFC 7578", reply.Json.GetProperty("msg").GetString());
        Assert.Contains(problem, reply.Json.GetProperty("msg").GetString());
        Assert.Empty(emu.Server.GetStats().UploadFileNames);
    }

    [Fact]
    public async Task The_dotnet_default_form_encoding_is_refused_and_accepted_without_strict_multipart()
    {
        static MultipartFormDataContent DefaultForm()
        {
            var form = new MultipartFormDataContent();
            form.Add(new ByteArrayContent(TestEmulator.Png()), "file", "x.png");
            return form;
        }
        await using (var strict = await TestEmulator.StartAsync())
        {
            var request = strict.ApiRequest(HttpMethod.Post, "upload-video-image");
            request.Content = DefaultForm();
            (await strict.SendAsync(request)).AssertEnvelope(1000, HttpStatusCode.BadRequest);
        }
        await using var lax = await TestEmulator.StartAsync(o => o.StrictMultipart = false);
        var again = lax.ApiRequest(HttpMethod.Post, "upload-video-image");
        again.Content = DefaultForm();
        (await lax.SendAsync(again)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Equal(new[] { "x.png" }, lax.Server.GetStats().UploadFileNames);
    }

    [Fact]
    public async Task A_curl_style_part_is_accepted_and_its_utf8_file_name_read_whole()
    {
        await using var emu = await TestEmulator.StartAsync();
        (await emu.UploadRawAsync(TestEmulator.Png(), "form-data; name=\"file\"; filename=\"føto über %22q%22.png\"")).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Equal(new[] { "føto über %22q%22.png" }, emu.Server.GetStats().UploadFileNames);
    }

    [Fact]
    public async Task The_stats_hold_the_sha256_of_each_accepted_upload_and_none_of_a_refused_one()
    {
        await using var emu = await TestEmulator.StartAsync();
        byte[] png = TestEmulator.Png();
        (await emu.UploadRawAsync(png, "form-data; name=\"file\"; filename=\"a.png\"")).AssertEnvelope(0, HttpStatusCode.OK);
        (await emu.UploadRawAsync(Encoding.ASCII.GetBytes("not an image at all"), "form-data; name=\"file\"; filename=\"b.png\""))
            .AssertEnvelope(1000, HttpStatusCode.BadRequest);

        Assert.Equal(new[] { Convert.ToHexStringLower(SHA256.HashData(png)) }, emu.Server.GetStats().UploadSha256s);
        var json = await emu.ControlGetAsync("stats");
        Assert.Equal(1, json.GetProperty("uploadSha256s").GetArrayLength());
        emu.Server.ResetStats();
        Assert.Empty(emu.Server.GetStats().UploadSha256s);
    }

    // ---------------------------------------------------------------- compression

    private static HttpClient RawClient() => new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

    private static async Task<(HttpResponseMessage Response, byte[] Body)> GetRawAsync(TestEmulator emu, string url, string? acceptEncoding,
        Action<HttpRequestMessage>? configure = null)
    {
        using var client = RawClient();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emu.Server.ApiKey);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public async Task Json_answers_are_gzip_when_the_request_accepts_it_and_only_then()
    {
        var (emu, _, uuid) = await FinishedJobAsync();
        await using var owned = emu;
        var (zipped, zippedBody) = await GetRawAsync(emu, emu.Api + "/video-status/" + uuid, "gzip, deflate");
        Assert.Equal(new[] { "gzip" }, zipped.Content.Headers.ContentEncoding);
        Assert.Equal(zippedBody.Length, zipped.Content.Headers.ContentLength);
        Assert.Equal(uuid, JsonDocument.Parse(Gunzip(zippedBody)).RootElement.GetProperty("data").GetProperty("uuid").GetString());

        var (plain, plainBody) = await GetRawAsync(emu, emu.Api + "/video-status/" + uuid, null);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(0, JsonDocument.Parse(plainBody).RootElement.GetProperty("code").GetInt32());

        var (refused, _) = await GetRawAsync(emu, emu.Api + "/video-status/" + uuid, "gzip;q=0, identity");
        Assert.Empty(refused.Content.Headers.ContentEncoding);

        await emu.ControlPostAsync("config", """{ "gzip": "off" }""");
        var (off, _) = await GetRawAsync(emu, emu.Api + "/video-status/" + uuid, "gzip");
        Assert.Empty(off.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task A_lying_content_encoding_answers_a_charged_generation_with_plain_json_labelled_gzip()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = EmulatorEndpoints.GenerateVideo, Kind = FaultKinds.LyingGzip, Count = 1 });
        using var client = RawClient();
        var request = emu.ApiRequest(HttpMethod.Post, "generate-video");
        request.Content = new StringContent("""{"generationType":"text_to_video","prompt":"a fox"}""", Encoding.UTF8, "application/json");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new[] { "gzip" }, response.Content.Headers.ContentEncoding);
        Assert.Equal((byte)'{', body[0]);
        Assert.Equal(2, emu.Server.GetStats().CreditsCharged);
    }

    [Fact]
    public async Task A_cut_gzip_answer_ends_cleanly_with_incomplete_gzip_data()
    {
        var (emu, url, _) = await FinishedJobAsync(o => o.VideoBytes = 200_000);
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = EmulatorEndpoints.CdnVideo, Kind = FaultKinds.Gzip, Value = "cut" });
        var (response, body) = await GetRawAsync(emu, url, "identity");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "gzip" }, response.Content.Headers.ContentEncoding);
        Assert.True(response.Headers.TransferEncodingChunked); // no Content-Length: the end of the body proves nothing
        var decoded = Gunzip(body); // GZipStream accepts the cut data without complaint: the client must check the trailer
        Assert.InRange(decoded.Length, 1, 199_999);
    }

    [Fact]
    public async Task With_gzip_all_the_cdn_compresses_the_video_and_serves_ranges_of_the_compressed_bytes()
    {
        var (emu, url, uuid) = await FinishedJobAsync(o => { o.VideoBytes = 100_000; o.Gzip = TransferModes.GzipAll; });
        await using var owned = emu;
        var (whole, compressed) = await GetRawAsync(emu, url, "gzip");
        Assert.Equal(new[] { "gzip" }, whole.Content.Headers.ContentEncoding);
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid))!.Sha256, Sha256(Gunzip(compressed)));
        var (part, partBody) = await GetRawAsync(emu, url, "gzip", r => r.Headers.Range = new RangeHeaderValue(10, null));
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(compressed[10..], partBody);
        var (identity, plain) = await GetRawAsync(emu, url, "identity");
        Assert.Empty(identity.Content.Headers.ContentEncoding);
        Assert.Equal(100_000, plain.Length);
    }

    // ---------------------------------------------------------------- changing files

    [Fact]
    public async Task A_changing_video_is_a_new_version_on_every_request_with_its_own_etag()
    {
        var (emu, url, uuid) = await FinishedJobAsync(o => { o.VideoBytes = 50_000; o.ChangingVideo = TransferModes.ChangingETag; });
        await using var owned = emu;
        var (first, firstBody) = await GetRawAsync(emu, url, null);
        var (second, secondBody) = await GetRawAsync(emu, url, null);
        Assert.NotEqual(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid, 1))!.Sha256, Sha256(firstBody));
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid, 2))!.Sha256, Sha256(secondBody));
        Assert.NotEqual(Sha256(firstBody), Sha256(secondBody));
        Assert.Equal(firstBody.Length, secondBody.Length);

        // If-Range with the first version's ETag: the third version comes whole (200).
        var (resumed, resumedBody) = await GetRawAsync(emu, url, null, r =>
        {
            r.Headers.Range = new RangeHeaderValue(1000, null);
            r.Headers.IfRange = new RangeConditionHeaderValue(first.Headers.ETag!);
        });
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid, 3))!.Sha256, Sha256(resumedBody));
        var info = await emu.ControlGetAsync("videos/" + uuid + "?version=3");
        Assert.Equal(Sha256(resumedBody), info.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task A_cdn_that_ignores_if_range_answers_206_with_another_versions_etag()
    {
        var (emu, url, _) = await FinishedJobAsync(o => { o.VideoBytes = 50_000; o.ChangingVideo = TransferModes.ChangingETag; o.IgnoreIfRange = true; });
        await using var owned = emu;
        var (first, _) = await GetRawAsync(emu, url, null);
        var (resumed, body) = await GetRawAsync(emu, url, null, r =>
        {
            r.Headers.Range = new RangeHeaderValue(1000, null);
            r.Headers.IfRange = new RangeConditionHeaderValue(first.Headers.ETag!);
        });
        Assert.Equal(HttpStatusCode.PartialContent, resumed.StatusCode);
        Assert.NotEqual(first.Headers.ETag, resumed.Headers.ETag);
        Assert.Equal(49_000, body.Length);
    }

    [Fact]
    public async Task A_changing_video_can_carry_only_last_modified_or_no_validator()
    {
        var (emu, url, _) = await FinishedJobAsync(o => { o.VideoBytes = 50_000; o.ChangingVideo = TransferModes.ChangingLastModified; });
        await using var owned = emu;
        var (first, _) = await GetRawAsync(emu, url, null);
        Assert.Null(first.Headers.ETag);
        var modified = first.Content.Headers.LastModified!.Value;
        var (resumed, _) = await GetRawAsync(emu, url, null, r =>
        {
            r.Headers.Range = new RangeHeaderValue(1000, null);
            r.Headers.IfRange = new RangeConditionHeaderValue(modified);
        });
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode); // the file changed since that date
        Assert.True(resumed.Content.Headers.LastModified > modified);

        await emu.ControlPostAsync("config", """{ "changingVideo": "none" }""");
        var (bare, _) = await GetRawAsync(emu, url, null);
        Assert.Null(bare.Headers.ETag);
        Assert.Null(bare.Content.Headers.LastModified);
        var (ranged, _) = await GetRawAsync(emu, url, null, r => r.Headers.Range = new RangeHeaderValue(1000, null));
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode); // a plain Range is honoured: appending would splice
    }

    // ---------------------------------------------------------------- the key and the video origin

    [Fact]
    public async Task With_video_origin_api_the_video_is_served_by_the_api_host_which_records_authorization()
    {
        var (emu, url, uuid) = await FinishedJobAsync(o => o.VideoOrigin = TransferModes.OriginApi);
        await using var owned = emu;
        Assert.StartsWith(emu.Server.ApiBaseUri.GetLeftPart(UriPartial.Authority) + "/videos/", url);
        var (response, body) = await GetRawAsync(emu, url, null); // GetRawAsync sends the key, as a careless client would
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid))!.Sha256, Sha256(body));
        var stats = emu.Server.GetStats();
        Assert.Equal(new[] { "Bearer " + emu.Server.ApiKey }, stats.ApiVideoAuthorizationHeaders);
        Assert.Empty(stats.CdnAuthorizationHeaders);
        Assert.Equal(1, stats.Requests[EmulatorEndpoints.CdnVideo]);
    }

    // ---------------------------------------------------------------- hostile text

    [Fact]
    public async Task The_escapes_marker_puts_escape_sequences_in_msg_failReason_prompt_and_an_extra_field()
    {
        var (emu, _, uuid) = await FinishedJobAsync(prompt: "a fox [fail] [escapes]");
        await using var owned = emu;
        var reply = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Contains("\u001b]52;", reply.Json.GetProperty("msg").GetString());
        var data = reply.Data;
        Assert.Equal("failed", data.GetProperty("status").GetString());
        Assert.Contains("\u001b[2K", data.GetProperty("failReason").GetString());
        Assert.Contains("\u009b", data.GetProperty("failReason").GetString());
        Assert.True(data.GetProperty("failReason").GetString()!.Length > 3000);
        Assert.Contains("\u0007", data.GetProperty("prompt").GetString());
        Assert.Contains(data.EnumerateObject(), p => p.Name.StartsWith("note\u001b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_escape_text_fault_answers_1000_with_escape_sequences_in_msg()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = EmulatorEndpoints.GenerateVideo, Kind = FaultKinds.EscapeText, Count = 1 });
        var reply = (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "a fox" })).AssertEnvelope(1000, HttpStatusCode.BadRequest);
        Assert.Contains("\u001b]52;", reply.Json.GetProperty("msg").GetString());
        Assert.Equal(0, emu.Server.GetStats().CreditsCharged);
    }

    // ---------------------------------------------------------------- options

    [Theory]
    [InlineData("--gzip", "brotli")]
    [InlineData("--changing-video", "sometimes")]
    [InlineData("--video-origin", "elsewhere")]
    [InlineData("--strict-multipart", "maybe")]
    public void Bad_transfer_option_values_are_refused(string option, string value)
        => Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse([option, value]));

    [Fact]
    public void Transfer_options_parse_from_the_command_line()
    {
        var options = EmulatorOptions.Parse(["--gzip", "all", "--changing-video", "last-modified", "--ignore-if-range", "true",
            "--video-origin", "api", "--strict-multipart", "false"]);
        Assert.Equal(TransferModes.GzipAll, options.Gzip);
        Assert.Equal(TransferModes.ChangingLastModified, options.ChangingVideo);
        Assert.True(options.IgnoreIfRange);
        Assert.Equal(TransferModes.OriginApi, options.VideoOrigin);
        Assert.False(options.StrictMultipart);
    }

    [Fact]
    public async Task A_bad_config_patch_is_refused()
    {
        await using var emu = await TestEmulator.StartAsync();
        var response = await emu.ControlPostAsync("config", """{ "videoOrigin": "mars" }""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(TransferModes.OriginCdn, emu.Server.GetConfig().VideoOrigin);
    }
}
