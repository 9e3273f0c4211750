using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

public class DownloadTests
{
    private static async Task<(EmulatorHarness H, VideoJobInfo Job)> CompletedJobAsync(long videoBytes = 0, Action<VeoClientOptions>? client = null)
    {
        var h = await EmulatorHarness.StartAsync(e => e.VideoBytes = videoBytes, client);
        var job = await h.WaitCompletedAsync((await h.GenerateAsync()).Uuid);
        return (h, job);
    }

    [Fact]
    public async Task A_transfer_cut_in_the_middle_resumes_with_range_and_matches_the_sha256()
    {
        var (h, job) = await CompletedJobAsync(videoBytes: 3_000_000);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 2);
        string dest = Path.Combine(h.TempDir, "resumed.mp4");

        var result = await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);

        var expected = await h.Server.GetVideoInfoAsync(job.Uuid);
        Assert.Equal(2, result.Resumes);
        Assert.Equal(expected!.Length, new FileInfo(dest).Length);
        Assert.Equal(expected.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(3, h.Requests(EmulatorEndpoints.CdnVideo));
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
        Assert.Equal(new[] { dest }, Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task A_transfer_that_keeps_breaking_leaves_no_file()
    {
        var (h, job) = await CompletedJobAsync(videoBytes: 2_000_000, o => o.MaxRetryCount = 1);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate);
        string dest = Path.Combine(h.TempDir, "never.mp4");

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None));

        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Empty(Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task Cdn_errors_are_retried()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Html502, count: 1);
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Drop, count: 1);
        string dest = Path.Combine(h.TempDir, "retried.mp4");
        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(3, h.Requests(EmulatorEndpoints.CdnVideo));
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/videos/relative.mp4")]
    [InlineData("ftp://127.0.0.1/x.mp4")]
    [InlineData("http://example.com/x.mp4")]
    [InlineData("")]
    public async Task Unsafe_video_urls_are_refused_before_any_request(string url)
    {
        await using var h = await EmulatorHarness.StartAsync();
        string dest = Path.Combine(h.TempDir, "x.mp4");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.DownloadVideoAsync(url, dest, false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Empty(Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task A_bad_video_url_sent_by_the_api_is_refused()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.BadVideoUrl, value: "file:///etc/passwd");
        var seen = await h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None);
        Assert.Equal("file:///etc/passwd", seen.VideoUrl);
        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            h.Client.DownloadVideoAsync(seen.VideoUrl!, Path.Combine(h.TempDir, "x.mp4"), false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
    }

    [Fact]
    public async Task A_cdn_redirect_to_a_file_url_is_refused()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Redirect, value: "file:///etc/passwd");
        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "x.mp4"), false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Empty(Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task A_cdn_redirect_to_http_loopback_is_followed_without_the_key()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Redirect, count: 1, value: job.VideoUrl);
        string dest = Path.Combine(h.TempDir, "redirected.mp4");
        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
    }

    [Fact]
    public async Task An_existing_file_is_kept_unless_overwrite_is_asked()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        string dest = Path.Combine(h.TempDir, "exists.mp4");
        await File.WriteAllTextAsync(dest, "old");

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.FileExists, ex.Kind);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.CdnVideo));
        Assert.Equal("old", await File.ReadAllTextAsync(dest));

        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, true, null, CancellationToken.None);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Single(Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task Cancelling_a_download_removes_the_partial_file()
    {
        var (h, job) = await CompletedJobAsync(client: o => o.AttemptTimeout = TimeSpan.FromSeconds(30));
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.SlowBody);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "c.mp4"), false, null, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}"); // the stall limit is 30 s
        Assert.Empty(Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task The_cdn_never_receives_the_key()
    {
        // The CDN is another origin (another port); TransferTests covers a videoUrl on the API's own origin.
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        Assert.NotEqual(new Uri(job.VideoUrl!).Port, h.Server.ApiBaseUri.Port);
        await h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "a.mp4"), false, null, CancellationToken.None);
        await h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "b.mp4"), false, null, CancellationToken.None);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
        Assert.Equal(2, h.Requests(EmulatorEndpoints.CdnVideo));
    }
}
