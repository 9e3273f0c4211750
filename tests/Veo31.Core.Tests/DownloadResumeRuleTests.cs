using System.IO.Compression;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>
/// When a broken download may go on from the bytes on disk, and when it must start over: each rule pinned on a raw
/// loopback server that answers the resume exactly as a test scripts it.
/// </summary>
public class DownloadResumeRuleTests : IDisposable
{
    private const int Size = 200_000;
    private const int Cut = 80_000;
    private static readonly byte[] VersionA = Fill(Size, 0x5A);
    private static readonly byte[] VersionB = Fill(Size, 0x6B);

    private readonly string _dir = Directory.CreateTempSubdirectory("veo-resume-").FullName;
    private string Destination => Path.Combine(_dir, "video.mp4");

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Fill(int n, byte seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static long? RangeFrom(string request)
    {
        Match m = Regex.Match(request, @"\r\nRange: bytes=(\d+)-\r\n", RegexOptions.IgnoreCase);
        return m.Success ? long.Parse(m.Groups[1].Value) : null;
    }

    private static string? Header(string request, string name)
    {
        Match m = Regex.Match(request, @"\r\n" + Regex.Escape(name) + @": ([^\r]*)\r\n", RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>A 200 with the whole length announced; the body is cut (connection closed) after cutAt bytes when given.</summary>
    private static async Task Whole(NetworkStream s, byte[] body, string validators, int? cutAt = null)
    {
        await RawServer.WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: {body.Length}\n{validators}");
        await s.WriteAsync(body.AsMemory(0, cutAt ?? body.Length));
    }

    /// <summary>A 206 that sends body[from..] (up to cutAt) with the Content-Range given.</summary>
    private static async Task Rest(NetworkStream s, byte[] body, long from, string contentRange, string validators, int? cutAt = null)
    {
        await RawServer.WriteHead(s, $"HTTP/1.1 206 Partial Content\nContent-Type: video/mp4\nContent-Length: {body.Length - from}\nContent-Range: {contentRange}\n{validators}");
        await s.WriteAsync(body.AsMemory((int)from, (cutAt ?? body.Length) - (int)from));
    }

    private static VeoClient Client(Uri api) => new(EmulatorHarness.FastOptions(api), EmulatorHarness.Secure(EmulatorHarness.Key));

    private async Task<DownloadResult> Download(RawServer server, string path = "v.mp4", IProgress<TransferProgress>? progress = null)
    {
        using VeoClient client = Client(server.Base);
        return await client.DownloadVideoAsync(new Uri(server.Base, path).ToString(), Destination, false, progress, CancellationToken.None);
    }

    private async Task<VeoException> DownloadFails(RawServer server, string path = "v.mp4")
    {
        using VeoClient client = Client(server.Base);
        var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(new Uri(server.Base, path).ToString(), Destination, false, null, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(_dir));
        return ex;
    }

    private void AssertSaved(byte[] expected) => Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(Destination)), "the saved file is not the expected version in full");

    private static string Rfc1123(DateTimeOffset at) => at.UtcDateTime.ToString("R");

    [Fact]
    public void A_download_remembers_a_version_only_with_a_validator_and_resumes_only_what_it_can_prove()
    {
        var state = new Veo31.Core.Download.DownloadState(new Uri("https://cdn.example/v.mp4")) { Written = 10, Total = 100, ETag = "\"v\"" };
        Assert.True(state.CanResume);
        state.ETag = null;
        Assert.False(state.HasValidator);
        Assert.False(state.CanResume);
        state.LastModified = DateTimeOffset.UtcNow;
        Assert.True(state.CanResume);
        state.Written = 100;
        Assert.True(state.CanResume);
        state.Written = 101;
        Assert.False(state.CanResume);
        state.Written = 0;
        Assert.False(state.CanResume);
        state.Written = 10;
        state.Total = null;
        Assert.False(state.CanResume);
        state.Total = 100;
        state.Encoded = true;
        Assert.False(state.CanResume);
    }

    [Fact]
    public async Task A_resume_asks_for_the_rest_with_the_strong_ETag_as_If_Range()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else await Rest(s, VersionA, RangeFrom(req) ?? 0, $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v1\"\n");
        });
        var progress = new List<TransferProgress>();
        DownloadResult result = await Download(server, progress: new SyncProgress(progress));
        AssertSaved(VersionA);
        Assert.Equal((Destination, (long)Size, 1), (result.Path, result.Length, result.Resumes));
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(Cut, RangeFrom(server.Requests[1]));
        Assert.Equal("\"v1\"", Header(server.Requests[1], "If-Range"));
        Assert.Null(Header(server.Requests[0], "If-Range"));
        Assert.Null(Header(server.Requests[0], "Authorization"));
        Assert.Equal("identity", Header(server.Requests[1], "Accept-Encoding"));
        Assert.Equal((0L, (long?)Size), (progress[0].BytesTransferred, progress[0].TotalBytes));
        Assert.Equal((long)Size, progress[^1].BytesTransferred);
        Assert.Contains(progress, p => p.BytesTransferred == Cut);
    }

    [Fact]
    public async Task Without_a_strong_ETag_a_Last_Modified_a_second_older_than_Date_is_the_If_Range()
    {
        string modified = Rfc1123(DateTimeOffset.UtcNow.AddMinutes(-5));
        string validators = $"ETag: W/\"weak\"\nLast-Modified: {modified}\nDate: {Rfc1123(DateTimeOffset.UtcNow)}\n";
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, validators, Cut);
            else await Rest(s, VersionA, RangeFrom(req) ?? 0, $"bytes {Cut}-{Size - 1}/{Size}", validators);
        });
        DownloadResult result = await Download(server);
        AssertSaved(VersionA);
        Assert.Equal(1, result.Resumes);
        Assert.Equal(modified, Header(server.Requests[1], "If-Range"));
    }

    public static readonly TheoryData<string, string> UnprovableVersions = new()
    {
        { "no validator", "" },
        { "a weak ETag only", "ETag: W/\"v1\"\n" },
        { "a Last-Modified in the same second as Date", "Last-Modified: Sun, 01 Jun 2025 10:00:00 GMT\nDate: Sun, 01 Jun 2025 10:00:00 GMT\n" },
        { "a Last-Modified without Date", "Last-Modified: Sun, 01 Jun 2025 10:00:00 GMT\n" },
    };

    [Theory]
    [MemberData(nameof(UnprovableVersions))]
    public async Task A_version_the_server_cannot_prove_again_is_fetched_again_from_the_start(string why, string validators)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, validators, Cut);
            else await Whole(s, VersionB, validators);
        });
        DownloadResult result = await Download(server);
        AssertSaved(VersionB);
        Assert.True(RangeFrom(server.Requests[1]) == null, "resumed a version with " + why);
        Assert.Equal(0, result.Resumes);
    }

    public static readonly TheoryData<string, string, string> MismatchedResumes = new()
    {
        { "another start", $"bytes 0-{Size - 1}/{Size}", "ETag: \"v1\"\n" },
        { "another total", $"bytes {Cut}-{Size - 1}/{Size + 1}", "ETag: \"v1\"\n" },
        { "no total", $"bytes {Cut}-{Size - 1}/*", "ETag: \"v1\"\n" },
        { "another ETag", $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v2\"\n" },
        { "a weak ETag", $"bytes {Cut}-{Size - 1}/{Size}", "ETag: W/\"v1\"\n" },
        { "an encoded body", $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v1\"\nContent-Encoding: gzip\n" },
    };

    [Theory]
    [MemberData(nameof(MismatchedResumes))]
    public async Task A_206_that_does_not_continue_the_version_on_disk_starts_the_file_over(string why, string contentRange, string validators)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else if (n == 2) await Rest(s, VersionB, Cut, contentRange, validators);
            else await Whole(s, VersionB, "ETag: \"v2\"\n");
        });
        DownloadResult result = await Download(server);
        AssertSaved(VersionB);
        Assert.True(server.Requests.Count == 3, $"{server.Requests.Count} requests after a 206 with {why}");
        Assert.Null(RangeFrom(server.Requests[2]));
        Assert.Equal(1, result.Resumes);
    }

    [Fact]
    public async Task A_206_whose_Last_Modified_changed_starts_the_file_over()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string first = $"Last-Modified: {Rfc1123(now.AddMinutes(-5))}\nDate: {Rfc1123(now)}\n";
        string second = $"Last-Modified: {Rfc1123(now.AddMinutes(-1))}\nDate: {Rfc1123(now)}\n";
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, first, Cut);
            else if (n == 2) await Rest(s, VersionB, Cut, $"bytes {Cut}-{Size - 1}/{Size}", second);
            else await Whole(s, VersionB, second);
        });
        await Download(server);
        AssertSaved(VersionB);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_206_to_a_request_that_asked_for_no_range_is_not_saved_as_the_video()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Rest(s, VersionB, 0, $"bytes 0-{Size - 1}/{Size}", "ETag: \"v1\"\n");
            else await Whole(s, VersionA, "ETag: \"v1\"\n");
        });
        await Download(server);
        AssertSaved(VersionA);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_refused_resume_range_starts_the_file_over()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else if (n == 2) await RawServer.WriteHead(s, $"HTTP/1.1 416 Range Not Satisfiable\nContent-Range: bytes */{Size}\nContent-Length: 0\n");
            else await Whole(s, VersionB, "ETag: \"v2\"\n");
        });
        await Download(server);
        AssertSaved(VersionB);
        Assert.Equal(3, server.Requests.Count);
        Assert.Null(RangeFrom(server.Requests[2]));
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_replaces_the_bytes_on_disk_instead_of_being_appended()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else await Whole(s, VersionB, "ETag: \"v2\"\n");
        });
        DownloadResult result = await Download(server);
        AssertSaved(VersionB);
        Assert.Equal((long)Size, result.Length);
    }

    [Fact]
    public async Task A_resume_that_sends_more_than_the_announced_total_is_refused_and_leaves_no_file()
    {
        byte[] longer = VersionA.Concat(new byte[5000]).ToArray();
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else await Rest(s, longer, Cut, $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v1\"\n");
        });
        VeoException ex = await DownloadFails(server);
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Contains($"more bytes than it announced ({Size})", ex.Message);
    }

    [Fact]
    public async Task A_transfer_that_breaks_more_than_MaxRetryCount_plus_3_times_gives_up_and_leaves_no_file()
    {
        const int step = 10_000;
        using var server = new RawServer(async (n, req, s) =>
        {
            long from = RangeFrom(req) ?? 0;
            int cutAt = (int)from + step;
            if (from == 0) await Whole(s, VersionA, "ETag: \"v1\"\n", cutAt);
            else await Rest(s, VersionA, from, $"bytes {from}-{Size - 1}/{Size}", "ETag: \"v1\"\n", cutAt);
        });
        VeoException ex = await DownloadFails(server);
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        // MaxRetryCount is 3 (EmulatorHarness.FastOptions): 6 resumes go on, the 7th break gives up.
        Assert.Equal($"The video transfer broke 7 times; {7 * step} bytes received.", ex.Message);
        Assert.Equal(7, server.Requests.Count);
        Assert.Equal(7, ex.Attempts);
    }

    [Theory]
    [InlineData(5, true)]
    [InlineData(6, false)]
    public async Task At_most_5_redirects_are_followed(int redirects, bool followed)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n <= redirects) await RawServer.WriteHead(s, $"HTTP/1.1 302 Found\nLocation: r{n}.mp4\nContent-Length: 0\n");
            else await Whole(s, VersionA, "ETag: \"v1\"\n");
        });
        if (followed)
        {
            await Download(server);
            AssertSaved(VersionA);
            Assert.Contains("GET /r5.mp4 ", server.Requests[^1]);
        }
        else
        {
            VeoException ex = await DownloadFails(server);
            Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
            Assert.Contains("more than 5 times", ex.Message);
            Assert.Equal(6, server.Requests.Count);
        }
    }

    [Fact]
    public async Task A_redirect_to_plain_http_off_loopback_is_refused_before_it_is_followed()
    {
        using var server = new RawServer(async (n, req, s) =>
            await RawServer.WriteHead(s, "HTTP/1.1 302 Found\nLocation: http://cdn.example.invalid/v.mp4\nContent-Length: 0\n"));
        VeoException ex = await DownloadFails(server);
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Contains("redirect target", ex.Message);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(401, VeoErrorKind.AuthenticationFailed, 1)]
    [InlineData(403, VeoErrorKind.AuthenticationFailed, 1)]
    [InlineData(404, VeoErrorKind.ServerError, 4)]
    [InlineData(302, VeoErrorKind.ServerError, 1)] // a redirect without a Location is not retried either
    [InlineData(503, VeoErrorKind.ServerError, 4)]
    public async Task A_CDN_error_is_retried_unless_it_refuses_access(int status, VeoErrorKind kind, int requests)
    {
        using var server = new RawServer(async (n, req, s) =>
            await RawServer.WriteHead(s, $"HTTP/1.1 {status} Nope\nContent-Length: 0\n"));
        VeoException ex = await DownloadFails(server);
        Assert.Equal((kind, (int?)status), (ex.Kind, ex.HttpStatus));
        Assert.Equal($"The video download failed: HTTP {status}.", ex.Message);
        Assert.Equal(requests, server.Requests.Count);
    }

    [Fact]
    public async Task A_video_that_is_cut_short_and_cannot_be_resumed_ends_in_a_typed_error_naming_the_bytes()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "", Cut));
        VeoException ex = await DownloadFails(server);
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.StartsWith($"The video transfer stopped after {Cut} bytes", ex.Message);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task A_gzip_body_is_decoded_and_never_resumed()
    {
        byte[] gz;
        using (var buffer = new MemoryStream())
        {
            using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(VersionA);
            gz = buffer.ToArray();
        }
        using var server = new RawServer(async (n, req, s) =>
        {
            await RawServer.WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Encoding: gzip\nContent-Length: {gz.Length}\nETag: \"v1\"\n");
            await s.WriteAsync(gz.AsMemory(0, n == 1 ? gz.Length / 2 : gz.Length));
        });
        DownloadResult result = await Download(server);
        AssertSaved(VersionA);
        Assert.Null(RangeFrom(server.Requests[1]));
        Assert.Equal(((long)Size, 0), (result.Length, result.Resumes));
    }

    [Fact]
    public async Task A_download_logs_each_answer_and_its_safe_headers_but_never_the_key()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\nSet-Cookie: session=cookie-canary\n", Cut);
            else await Rest(s, VersionA, RangeFrom(req) ?? 0, $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v1\"\n");
        });
        var log = new RecordingLog();
        using (Veo31.Core.Logging.VeoLogScope.Use(log)) await Download(server);
        string all = string.Join("\n", log.Lines);
        Assert.Contains(log.Lines, l => l.StartsWith("VERBOSE: GET /v.mp4 -> 200 (", StringComparison.Ordinal) && l.EndsWith(" ms)", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith($"VERBOSE: GET /v.mp4 -> 206 (resume at {Cut}) (", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("DEBUG: Download response headers: ", StringComparison.Ordinal) && l.Contains("ETag: \"v1\"") && l.Contains("Set-Cookie: ***"));
        Assert.DoesNotContain("cookie-canary", all);
        Assert.DoesNotContain(EmulatorHarness.Key, all);
    }

    [Fact]
    public async Task A_file_that_appears_at_the_destination_during_the_download_is_not_replaced()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            File.WriteAllText(Destination, "mine");
            await Whole(s, VersionA, "ETag: \"v1\"\n");
        });
        using VeoClient client = Client(server.Base);
        var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.FileExists, ex.Kind);
        Assert.Contains("appeared while the video was downloading", ex.Message);
        Assert.Equal("mine", File.ReadAllText(Destination));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Overwrite_replaces_an_existing_file_in_one_step_and_without_it_nothing_is_asked()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        File.WriteAllText(Destination, "old");
        using VeoClient client = Client(server.Base);
        string url = new Uri(server.Base, "v.mp4").ToString();
        var refused = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(url, Destination, false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.FileExists, refused.Kind);
        Assert.Empty(server.Requests);
        DownloadResult result = await client.DownloadVideoAsync(url, Destination, true, null, CancellationToken.None);
        AssertSaved(VersionA);
        Assert.Equal(Destination, result.Path);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_destination_that_is_a_folder_or_not_a_path_is_refused_before_anything_is_asked()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        string url = new Uri(server.Base, "v.mp4").ToString();
        foreach (string bad in new[] { _dir, "  ", "bad\0name.mp4" })
        {
            var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(url, bad, false, null, CancellationToken.None));
            Assert.Equal(VeoErrorKind.UnsafePath, ex.Kind);
        }
        File.WriteAllText(Path.Combine(_dir, "file"), "x");
        var under = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(url, Path.Combine(_dir, "file", "v.mp4"), false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.UnsafePath, under.Kind);
        Assert.Contains("cannot be created", under.Message);
        Assert.Empty(server.Requests);

        string nested = Path.Combine(_dir, "a", "b", "v.mp4");
        await client.DownloadVideoAsync(url, nested, false, null, CancellationToken.None);
        Assert.Equal(Size, new FileInfo(nested).Length);
    }

    [Fact]
    public async Task A_video_larger_than_MaxVideoBytes_is_not_saved()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        var options = EmulatorHarness.FastOptions(server.Base);
        options.MaxVideoBytes = Size - 1;
        using var client = new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));
        var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Contains($"larger than MaxVideoBytes ({Size - 1} bytes)", ex.Message);
        Assert.Empty(Directory.GetFiles(_dir));

        options.MaxVideoBytes = Size; // exactly as large as allowed: saved
        using var exact = new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));
        await exact.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None);
        AssertSaved(VersionA);
    }

    private static Task<DownloadResult> DownloadTo(VeoClient client, RawServer server, Veo31.Core.Download.IVideoSink sink, CancellationToken cancellationToken = default)
        => client.DownloadVideoToAsync(new Uri(server.Base, "v.mp4").ToString(), sink, null, cancellationToken);

    /// <summary>Breaks the transfer once, transiently, right after the last byte was kept (nothing else can fail there).</summary>
    private sealed class BreakAtTheEnd : IProgress<TransferProgress>
    {
        private bool _broke;
        public void Report(TransferProgress value)
        {
            if (_broke || value.BytesTransferred != Size) return;
            _broke = true;
            throw new VeoException(VeoErrorKind.ConnectionFailed, "broken after the last byte") { IsTransient = true };
        }
    }

    [Theory]
    [InlineData("Content-Range: bytes */200000\n", true)]
    [InlineData("", true)]
    [InlineData("Content-Range: bytes */150000\n", false)]
    public async Task A_resume_refused_because_the_whole_video_is_already_kept_completes_it(string contentRange, bool complete)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n");
            else if (n == 2) await RawServer.WriteHead(s, $"HTTP/1.1 416 Range Not Satisfiable\n{contentRange}Content-Length: 0\n");
            else await Whole(s, VersionB, "ETag: \"v2\"\n");
        });
        using VeoClient client = Client(server.Base);

        await client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, new BreakAtTheEnd(), CancellationToken.None);

        Assert.Equal((long)Size, RangeFrom(server.Requests[1]));
        // A 416 that names the length kept (or no length) means nothing is left; another length means another version.
        AssertSaved(complete ? VersionA : VersionB);
        Assert.Equal(complete ? 2 : 3, server.Requests.Count);
    }

    // ---- The partial file.

    [Fact]
    public async Task A_video_is_written_under_a_random_partial_name_beside_the_destination_until_it_is_whole()
    {
        string[] seen = Array.Empty<string>();
        using var server = new RawServer(async (n, req, s) =>
        {
            await RawServer.WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: {Size}\nETag: \"v1\"\n");
            await s.WriteAsync(VersionA.AsMemory(0, Cut));
            await s.FlushAsync();
            for (int i = 0; i < 500 && seen.Length == 0; i++)
            {
                await Task.Delay(10);
                seen = Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray()!;
            }
            await s.WriteAsync(VersionA.AsMemory(Cut));
        });
        await Download(server);

        string partial = Assert.Single(seen);
        Assert.Matches(@"^video\.mp4\.partial-[0-9a-f]{8}$", partial);
        Assert.DoesNotMatch("partial-00000000$", partial); // random, so two downloads to one name never share it
        AssertSaved(VersionA);
        Assert.Equal(new[] { "video.mp4" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_destination_takes_no_bytes_before_it_is_opened_and_abandoning_it_unopened_is_harmless()
    {
        var sink = new Veo31.Core.Download.FileVideoSink(Destination, overwrite: false);
        Assert.Equal(Destination, sink.Location);
        await Assert.ThrowsAsync<InvalidOperationException>(() => sink.WriteAsync(new byte[1], 0, 1, CancellationToken.None));
        sink.Abandon();
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_new_version_shorter_than_the_bytes_kept_replaces_them_whole()
    {
        byte[] shorter = Fill(Cut / 2, 0x7C);
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            else await Whole(s, shorter, "ETag: \"v2\"\n");
        });
        await Download(server);
        AssertSaved(shorter);
    }

    [Fact]
    public async Task The_saved_path_is_the_destination_made_full()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        string roundabout = Path.Combine(_dir, "sub", "..", "video.mp4");
        DownloadResult result = await client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), roundabout, false, null, CancellationToken.None);
        Assert.Equal(Destination, result.Path);
    }

    [Fact]
    public async Task A_download_needs_a_destination()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        var ex = await Assert.ThrowsAsync<ArgumentNullException>(() => client.DownloadVideoToAsync(new Uri(server.Base, "v.mp4").ToString(), null!, null, CancellationToken.None));
        Assert.Equal("sink", ex.ParamName);
        Assert.Empty(server.Requests);
    }

    // ---- The destination's own failures.

    [Theory]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(UnauthorizedAccessException))]
    public async Task A_destination_that_cannot_be_written_ends_the_download_at_once_as_incomplete_and_is_abandoned(Type failure)
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        var sink = new RecordingSink { FailWrite = kept => kept > 0 ? (Exception)Activator.CreateInstance(failure, "disk full")! : null };

        var ex = await Assert.ThrowsAsync<VeoException>(() => DownloadTo(client, server, sink));

        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.IsType(failure, ex.InnerException);
        Assert.Contains(sink.Location, ex.Message);
        Assert.Equal(1, ex.Attempts);
        Assert.Single(server.Requests); // a full disk is not a network failure: neither resumed nor retried
        Assert.Equal((1, 0, 1), (sink.Opened, sink.Completed, sink.Abandoned));
    }

    [Fact]
    public async Task A_destination_that_refuses_the_bytes_with_its_own_error_stops_the_transfer_with_that_error()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        var refusal = new VeoException(VeoErrorKind.StorageFailed, "The blob cannot be written: HTTP 403.");
        var sink = new RecordingSink { FailWrite = kept => kept > 0 ? refusal : null };

        var ex = await Assert.ThrowsAsync<VeoException>(() => DownloadTo(client, server, sink));

        Assert.Equal(VeoErrorKind.StorageFailed, ex.Kind);
        Assert.Equal(refusal.Message, ex.Message);
        Assert.Equal(1, ex.Attempts);
        Assert.Single(server.Requests);
        Assert.Equal((0, 1), (sink.Completed, sink.Abandoned));
    }

    [Fact]
    public async Task A_download_cancelled_before_it_starts_asks_nothing_and_abandons_the_destination()
    {
        using var server = new RawServer(async (n, req, s) => await Whole(s, VersionA, "ETag: \"v1\"\n"));
        using VeoClient client = Client(server.Base);
        var sink = new RecordingSink();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DownloadTo(client, server, sink, cancelled.Token));

        Assert.Empty(server.Requests);
        Assert.Equal((0, 1), (sink.Completed, sink.Abandoned));
    }

    [Fact]
    public async Task A_download_cancelled_mid_transfer_is_a_cancellation_and_abandons_the_destination()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
            await Task.Delay(5000); // the rest never comes; the caller cancels
        });
        using VeoClient client = Client(server.Base);
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink { OnWrite = cts.Cancel };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DownloadTo(client, server, sink, cts.Token));

        Assert.Single(server.Requests);
        Assert.Equal((0, 1), (sink.Completed, sink.Abandoned));
    }

    // ---- A server that goes quiet.

    private VeoClient StallingClient(RawServer server, int maxRetries)
    {
        var options = EmulatorHarness.FastOptions(server.Base);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        options.MaxRetryCount = maxRetries;
        return new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));
    }

    [Fact]
    public async Task A_server_that_goes_quiet_before_the_first_byte_is_a_transient_timeout_after_the_attempt_timeout()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            await RawServer.WriteHead(s, $"HTTP/1.1 200 OK\nContent-Type: video/mp4\nContent-Length: {Size}\nETag: \"v1\"\n");
            await Task.Delay(5000);
        });
        using VeoClient client = StallingClient(server, maxRetries: 0);

        var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None));

        Assert.Equal(VeoErrorKind.Timeout, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_transfer_that_stalls_on_a_provable_version_goes_on_from_where_it_stopped()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1)
            {
                await Whole(s, VersionA, "ETag: \"v1\"\n", Cut);
                await Task.Delay(5000);
            }
            else await Rest(s, VersionA, Cut, $"bytes {Cut}-{Size - 1}/{Size}", "ETag: \"v1\"\n");
        });
        using VeoClient client = StallingClient(server, maxRetries: 0);

        DownloadResult result = await client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None);

        AssertSaved(VersionA);
        Assert.Equal(1, result.Resumes);
        Assert.Equal(Cut, RangeFrom(server.Requests[1]));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(VersionA)).ToLowerInvariant(), result.Sha256); // of every byte, across the resume
    }

    [Fact]
    public async Task A_transfer_that_stalls_on_a_version_it_cannot_prove_ends_incomplete_naming_the_bytes_kept()
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            await Whole(s, VersionA, "", Cut);
            await Task.Delay(5000);
        });
        using VeoClient client = StallingClient(server, maxRetries: 0);

        var ex = await Assert.ThrowsAsync<VeoException>(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None));

        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Contains($"after {Cut} bytes", ex.Message);
        Assert.Equal(VeoErrorKind.Timeout, Assert.IsType<VeoException>(ex.InnerException).Kind);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    // ---- Redirects.

    [Theory]
    [InlineData(300)]
    [InlineData(302)]
    [InlineData(399)]
    public async Task Any_3xx_answer_with_a_Location_is_followed(int status)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (n == 1) await RawServer.WriteHead(s, $"HTTP/1.1 {status} Elsewhere\nLocation: moved.mp4\nContent-Length: 0\n");
            else await Whole(s, VersionA, "ETag: \"v1\"\n");
        });
        await Download(server);
        AssertSaved(VersionA);
        Assert.Contains("GET /moved.mp4 ", server.Requests[1]);
    }

    [Theory]
    [InlineData(302, "")]
    [InlineData(400, "Location: moved.mp4\n")]
    [InlineData(200, "Location: moved.mp4\n")]
    public async Task A_Location_is_followed_only_on_a_3xx_answer_that_has_one(int status, string location)
    {
        using var server = new RawServer(async (n, req, s) =>
        {
            if (status == 200) await Whole(s, VersionA, location);
            else await RawServer.WriteHead(s, $"HTTP/1.1 {status} Odd\n{location}Content-Length: 0\n");
        });
        using VeoClient client = Client(server.Base);
        Exception? ex = await Record.ExceptionAsync(() => client.DownloadVideoAsync(new Uri(server.Base, "v.mp4").ToString(), Destination, false, null, CancellationToken.None));
        Assert.DoesNotContain(server.Requests, r => r.Contains("GET /moved.mp4 "));
        if (status == 200) AssertSaved(VersionA);
        else Assert.Equal(status, Assert.IsType<VeoException>(ex).HttpStatus);
    }

    private sealed class SyncProgress(List<TransferProgress> seen) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            lock (seen) seen.Add(value);
        }
    }

    // ---- An https video that redirects to plain http is refused, even when the target is loopback (a CDN
    // must not steer the client onto a local plain-http service), and nothing is asked of the http target. No TLS is
    // needed to show it: a handler in the test answers for the https host and records every request it is given.
    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public readonly List<Uri> Seen = new();
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Seen) Seen.Add(request.RequestUri!);
            return Task.FromResult(answer(request));
        }
    }

    private static Veo31.Core.Download.VideoDownloader Downloader(HttpMessageHandler handler)
    {
        var api = new Uri("https://api.example.invalid/");
        VeoClientOptions options = EmulatorHarness.FastOptions(api);
        return new Veo31.Core.Download.VideoDownloader(new ApiTransport(options, UrlRules.CheckBaseUri(api),
            new ApiKeyHolder(EmulatorHarness.Secure(EmulatorHarness.Key)), handler));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/v.mp4")]
    [InlineData("http://localhost:9/v.mp4")]
    [InlineData("http://[::1]:9/v.mp4")]
    public async Task An_https_video_that_redirects_to_plain_http_is_refused_even_to_loopback_and_the_target_is_never_asked(string target)
    {
        var handler = new ScriptedHandler(r => r.RequestUri!.Scheme == "https"
            ? new HttpResponseMessage(System.Net.HttpStatusCode.Found) { Headers = { Location = new Uri(target) } }
            : new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(VersionA) });
        var sink = new RecordingSink();
        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            Downloader(handler).DownloadToAsync("https://cdn.example.invalid/v.mp4", sink, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Equal(new[] { new Uri("https://cdn.example.invalid/v.mp4") }, handler.Seen);
        Assert.Equal(0, sink.Completed);
    }

    [Fact]
    public async Task An_https_video_that_redirects_to_https_elsewhere_is_followed_with_the_scripted_handler()
    {
        var handler = new ScriptedHandler(r => r.RequestUri!.Host == "cdn.example.invalid"
            ? new HttpResponseMessage(System.Net.HttpStatusCode.Found) { Headers = { Location = new Uri("https://edge.example.invalid/v.mp4") } }
            : new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(VersionA) });
        var sink = new RecordingSink();
        DownloadResult result = await Downloader(handler).DownloadToAsync("https://cdn.example.invalid/v.mp4", sink, null, CancellationToken.None);
        Assert.Equal(Size, result.Length);
        Assert.Equal(2, handler.Seen.Count);
        Assert.Equal(1, sink.Completed);
    }
}
