using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Veo31.Emulator.Tests;

public class CdnTests
{
    private static async Task<(TestEmulator Emu, string Url, string Uuid)> StartWithFinishedJobAsync(long videoBytes = 0)
    {
        var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 0.05; o.VideoBytes = videoBytes; });
        var uuid = await emu.NewJobAsync();
        var data = await emu.WaitForEndAsync(uuid);
        return (emu, data.GetProperty("videoUrl").GetString()!, uuid);
    }

    [Fact]
    public async Task The_embedded_video_is_a_real_mp4_matching_the_control_endpoint()
    {
        var (emu, url, uuid) = await StartWithFinishedJobAsync();
        await using var owned = emu;
        var response = await emu.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.InRange(bytes.Length, 1000, 20000);
        Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);
        Assert.Contains("moov", System.Text.Encoding.ASCII.GetString(bytes));
        Assert.Contains("mdat", System.Text.Encoding.ASCII.GetString(bytes));

        var info = await emu.ControlGetAsync("videos/" + uuid);
        Assert.Equal(bytes.Length, info.GetProperty("length").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), info.GetProperty("sha256").GetString());
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task Video_bytes_pads_with_a_trailing_free_box_to_the_exact_size()
    {
        const long size = 3_000_000;
        var (emu, url, uuid) = await StartWithFinishedJobAsync(size);
        await using var owned = emu;
        var servedLength = (await emu.Server.GetVideoInfoAsync(uuid))!.Length;
        Assert.Equal(size, servedLength);

        var bytes = await emu.Http.GetByteArrayAsync(url);
        Assert.Equal(size, bytes.Length);
        var info = await emu.Server.GetVideoInfoAsync(uuid);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), info!.Sha256);

        // Walk the top-level boxes: they must tile the file exactly and end with the free box.
        long offset = 0;
        string last = "";
        while (offset < bytes.Length)
        {
            var boxSize = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset));
            last = System.Text.Encoding.ASCII.GetString(bytes, (int)offset + 4, 4);
            Assert.True(boxSize >= 8, $"bad box size at {offset}");
            offset += boxSize;
        }
        Assert.Equal(bytes.Length, offset);
        Assert.Equal("free", last);
    }

    [Fact]
    public async Task Head_gives_the_headers_without_a_body()
    {
        var (emu, url, _) = await StartWithFinishedJobAsync(50_000);
        await using var owned = emu;
        var response = await emu.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(50_000, response.Content.Headers.ContentLength);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.Equal("\"veo-emulator-mp4-50000\"", response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Range_requests_give_206_and_unsatisfiable_ones_416()
    {
        var (emu, url, _) = await StartWithFinishedJobAsync(100_000);
        await using var owned = emu;
        var full = await emu.Http.GetByteArrayAsync(url);

        async Task<HttpResponseMessage> GetRange(long? from, long? to, string? ifRange = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Range = new RangeHeaderValue(from, to);
            if (ifRange is not null) request.Headers.TryAddWithoutValidation("If-Range", ifRange);
            return await emu.Http.SendAsync(request);
        }

        var first = await GetRange(0, 9);
        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Equal("bytes 0-9/100000", first.Content.Headers.ContentRange?.ToString());
        Assert.Equal(full[..10], await first.Content.ReadAsByteArrayAsync());

        var resume = await GetRange(60_000, null);
        Assert.Equal(HttpStatusCode.PartialContent, resume.StatusCode);
        Assert.Equal(40_000, resume.Content.Headers.ContentLength);
        Assert.Equal(full[60_000..], await resume.Content.ReadAsByteArrayAsync());

        var suffix = await GetRange(null, 500);
        Assert.Equal(full[^500..], await suffix.Content.ReadAsByteArrayAsync());

        var beyondEnd = await GetRange(99_990, 200_000);
        Assert.Equal("bytes 99990-99999/100000", beyondEnd.Content.Headers.ContentRange?.ToString());

        var unsatisfiable = await GetRange(100_000, null);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal("bytes */100000", unsatisfiable.Content.Headers.ContentRange?.ToString());

        var staleValidator = await GetRange(10, 20, "\"some-other-etag\"");
        Assert.Equal(HttpStatusCode.OK, staleValidator.StatusCode);
        Assert.Equal(100_000, staleValidator.Content.Headers.ContentLength);

        var matchingValidator = await GetRange(10, 20, "\"veo-emulator-mp4-100000\"");
        Assert.Equal(HttpStatusCode.PartialContent, matchingValidator.StatusCode);
    }

    [Fact]
    public async Task A_large_video_streams_without_trouble()
    {
        const long size = 40L * 1024 * 1024;
        var (emu, url, uuid) = await StartWithFinishedJobAsync(size);
        await using var owned = emu;
        using var response = await emu.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        Assert.Equal(size, total);
        Assert.Equal(Convert.ToHexStringLower(hash.GetHashAndReset()), (await emu.Server.GetVideoInfoAsync(uuid))!.Sha256);
    }

    [Fact]
    public async Task Unknown_and_unfinished_videos_are_404()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/nope.mp4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}images/nope.png")).StatusCode);
    }

    [Fact]
    public async Task The_cdn_records_every_authorization_header_it_receives()
    {
        var (emu, url, _) = await StartWithFinishedJobAsync();
        await using var owned = emu;
        await emu.Http.GetAsync(url);
        Assert.Empty(emu.Server.GetStats().CdnAuthorizationHeaders);

        var leaky = new HttpRequestMessage(HttpMethod.Get, url);
        leaky.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emu.Server.ApiKey);
        await emu.Http.SendAsync(leaky);
        var image = new HttpRequestMessage(HttpMethod.Get, $"{emu.Server.CdnBaseUri}images/none");
        image.Headers.Authorization = new AuthenticationHeaderValue("Basic", "abc");
        await emu.Http.SendAsync(image);

        Assert.Equal(new[] { "Bearer " + emu.Server.ApiKey, "Basic abc" }, emu.Server.GetStats().CdnAuthorizationHeaders);
        var overHttp = await emu.ControlGetAsync("stats");
        Assert.Equal(2, overHttp.GetProperty("cdnAuthorizationHeaders").GetArrayLength());
        Assert.Equal(3, overHttp.GetProperty("requests").GetProperty("cdn-video").GetInt64() + overHttp.GetProperty("requests").GetProperty("cdn-image").GetInt64());
    }
}
