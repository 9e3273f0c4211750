using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>What a hostile review of the transfers found, on a raw loopback "CDN" that does what real ones do.</summary>
public class HostileCdnTests : IDisposable
{
    private readonly List<string> _dirs = new();

    public void Dispose()
    {
        foreach (string dir in _dirs) try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    private static readonly byte[] VersionA = Fill(300_000, 0xA1);
    private static readonly byte[] VersionB = Fill(300_000, 0xB2);

    private static byte[] Fill(int n, byte seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static string Hash(byte[] b) => Convert.ToHexString(SHA256.HashData(b));

    private static Task WriteHead(NetworkStream s, string head) => RawServer.WriteHead(s, head);

    private static VeoClient Client(Uri api, Action<VeoClientOptions>? configure = null)
    {
        var options = EmulatorHarness.FastOptions(api);
        configure?.Invoke(options);
        return new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));
    }

    private string Temp()
    {
        string dir = Directory.CreateTempSubdirectory("veo-r11-").FullName;
        _dirs.Add(dir);
        return dir;
    }

    // 1. A 200 without Content-Length and without chunking (body ends when the connection closes), cut at 60%:
    //    nothing in HTTP can tell the cut, so the client must not report it as a saved video.
    [Fact]
    public async Task close_delimited_body_cut_short_is_not_reported_saved()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            await WriteHead(s, "HTTP/1.1 200 OK\nContent-Type: video/mp4\nETag: \"v1\"\nConnection: close\n");
            await s.WriteAsync(VersionA.AsMemory(0, 180_000));
            // close: the body "ends" here
        });
        using var client = Client(server.Base);
        string dir = Temp(), dest = Path.Combine(dir, "cut.mp4");
        var ex = await Record.ExceptionAsync(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), dest, false, null, CancellationToken.None));
        long saved = File.Exists(dest) ? new FileInfo(dest).Length : -1;
        Assert.True(ex is VeoException, $"no error; saved {saved} of {VersionA.Length} bytes as a finished video");
    }

    [Fact]
    public async Task A_whole_close_delimited_mp4_is_saved()
    {
        // ftyp (16 bytes) then a free box to the end: the layout proves the file whole.
        var video = new byte[120_016];
        new Random(7).NextBytes(video);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(video, 16);
        Encoding.ASCII.GetBytes("ftypisom").CopyTo(video, 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(video.AsSpan(16), (uint)(video.Length - 16));
        Encoding.ASCII.GetBytes("free").CopyTo(video, 20);
        using var server = new RawServer(async (n, req, s) =>
        {
            await WriteHead(s, "HTTP/1.1 200 OK\nContent-Type: video/mp4\nConnection: close\n");
            await s.WriteAsync(video);
        });
        using var client = Client(server.Base);
        string dir = Temp(), dest = Path.Combine(dir, "whole.mp4");
        await client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), dest, false, null, CancellationToken.None);
        Assert.Equal(Hash(video), Hash(File.ReadAllBytes(dest)));
    }

    // 2. A body that never ends (chunked, no Content-Length): there is no size cap; the file grows without bound.
    [Fact]
    public async Task a_body_that_never_ends_is_bounded()
    {
        using var stop = new CancellationTokenSource();
        using var server = new RawServer(async (n, req, s) =>
        {
            await WriteHead(s, "HTTP/1.1 200 OK\nContent-Type: video/mp4\nTransfer-Encoding: chunked\n");
            var chunk = new byte[1 << 20];
            var head = Encoding.ASCII.GetBytes((chunk.Length).ToString("x") + "\r\n");
            var crlf = Encoding.ASCII.GetBytes("\r\n");
            while (!stop.IsCancellationRequested)
            {
                await s.WriteAsync(head);
                await s.WriteAsync(chunk);
                await s.WriteAsync(crlf);
            }
        });
        using var client = Client(server.Base, o => o.MaxVideoBytes = 20L * 1024 * 1024);
        string dir = Temp(), dest = Path.Combine(dir, "endless.mp4");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Record.ExceptionAsync(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), dest, false, null, cts.Token));
        long partial = Directory.GetFiles(dir).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
        stop.Cancel();
        // It stops with a typed error of its own at MaxVideoBytes, long before our 6 s cancel, and leaves no file.
        Assert.True(ex is VeoException, $"after {sw.Elapsed.TotalSeconds:0.0} s: {ex?.GetType().Name}; still downloading with no limit (partial file size not kept: {partial})");
    }

    // 3. Last-Modified is the only validator; the file is replaced within the same second (same date, same length) and
    //    the CDN honours Range regardless of If-Range. RFC 9110 13.1.5: a Last-Modified date is a weak validator unless
    //    Date is at least a second later; the client uses it for If-Range and as the 206 proof anyway.
    [Fact]
    public async Task same_second_replacement_with_last_modified_only_is_not_spliced()
    {
        string lastModified = DateTime.UtcNow.ToString("R");
        using var server = new RawServer(async (n, req, s) =>
        {
            byte[] body = n == 1 ? VersionA : VersionB;
            int from = 0;
            var m = System.Text.RegularExpressions.Regex.Match(req, @"Range: bytes=(\d+)-", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (m.Success) from = int.Parse(m.Groups[1].Value);
            if (from == 0)
            {
                await WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: {body.Length}\nLast-Modified: {lastModified}\nDate: {lastModified}\n");
                await s.WriteAsync(body.AsMemory(0, n == 1 ? 150_000 : body.Length)); // first answer cut (connection closes early)
            }
            else
            {
                await WriteHead(s, $"HTTP/1.1 206 Partial Content\nContent-Type: video/mp4\nContent-Length: {body.Length - from}\nContent-Range: bytes {from}-{body.Length - 1}/{body.Length}\nLast-Modified: {lastModified}\nDate: {lastModified}\n");
                await s.WriteAsync(body.AsMemory(from));
            }
        });
        using var client = Client(server.Base);
        string dir = Temp(), dest = Path.Combine(dir, "lm.mp4");
        var ex = await Record.ExceptionAsync(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), dest, false, null, CancellationToken.None));
        if (File.Exists(dest))
        {
            string h = Hash(File.ReadAllBytes(dest));
            Assert.True(h == Hash(VersionA) || h == Hash(VersionB),
                $"saved a file that is neither version (spliced A[0..150000] + B[150000..]); error={ex?.Message}; requests={server.Requests.Count}");
        }
    }

    // 4. A Content-Encoding value the typed header parser cannot read is dropped from Headers.ContentEncoding, so the
    //    body is treated as identity: the gzip bytes are saved as the "video".
    [Theory]
    [InlineData("gzip;")]
    [InlineData("\"gzip\"")]
    public async Task unparseable_content_encoding_on_a_video_is_not_saved_as_the_video(string coding)
    {
        byte[] gz = Gzip(VersionA);
        using var server = new RawServer(async (n, req, s) =>
        {
            await WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Encoding: {coding}\nContent-Length: {gz.Length}\n");
            await s.WriteAsync(gz);
        });
        using var client = Client(server.Base);
        string dir = Temp(), dest = Path.Combine(dir, "enc.mp4");
        var ex = await Record.ExceptionAsync(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), dest, false, null, CancellationToken.None));
        if (ex == null)
            Assert.True(Hash(File.ReadAllBytes(dest)) == Hash(VersionA), $"saved {new FileInfo(dest).Length} bytes of still-gzip data as the video (Content-Encoding: {coding})");
    }

    // 5. Same on a paid generate: unparseable Content-Encoding on a JSON answer.
    [Theory]
    [InlineData("gzip;")]
    [InlineData("br")]
    [InlineData("gzip, gzip")]
    [InlineData("deflate")]
    public async Task odd_content_encoding_on_generate_is_outcome_unknown(string coding)
    {
        byte[] json = Encoding.UTF8.GetBytes("{\"code\":200,\"msg\":\"success\",\"data\":{\"uuid\":\"u-1\",\"status\":\"pending\"}}");
        byte[] body = coding.StartsWith("gzip") ? Gzip(json) : json;
        using var server = new RawServer(async (n, req, s) =>
        {
            await WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Encoding: {coding}\nContent-Length: {body.Length}\n");
            await s.WriteAsync(body);
        });
        using var client = Client(server.Base);
        var ex = await Record.ExceptionAsync(() => client.GenerateVideoAsync(new Core.Models.GenerateVideoRequest { Prompt = "a fox" }, CancellationToken.None));
        var veo = Assert.IsType<VeoException>(ex);
        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, veo.Kind);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var g = new GZipStream(ms, CompressionLevel.Fastest, true)) g.Write(data);
        return ms.ToArray();
    }
}
