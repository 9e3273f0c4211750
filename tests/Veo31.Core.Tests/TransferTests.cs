using Veo31.Core.Errors;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Downloads that never splice two versions, compression that never corrupts, and a key that never goes with a video.</summary>
public class TransferTests
{
    private const long VideoBytes = 300_000;

    private static async Task<(EmulatorHarness H, VideoJobInfo Job)> CompletedJobAsync(Action<EmulatorOptions>? emulator = null)
    {
        var h = await EmulatorHarness.StartAsync(e => { e.VideoBytes = VideoBytes; emulator?.Invoke(e); });
        var job = await h.WaitCompletedAsync((await h.GenerateAsync()).Uuid);
        return (h, job);
    }

    private static async Task<string[]> VersionHashesAsync(EmulatorHarness h, string uuid, int versions)
    {
        var hashes = new string[versions];
        for (int v = 1; v <= versions; v++) hashes[v - 1] = (await h.Server.GetVideoInfoAsync(uuid, v))!.Sha256;
        Assert.Equal(versions, hashes.Distinct().Count());
        return hashes;
    }

    [Theory]
    [InlineData(TransferModes.ChangingETag, false)]
    [InlineData(TransferModes.ChangingETag, true)]
    [InlineData(TransferModes.ChangingLastModified, false)]
    [InlineData(TransferModes.ChangingLastModified, true)]
    [InlineData(TransferModes.ChangingNoValidator, false)]
    public async Task A_download_broken_while_the_file_changes_is_one_version_in_full(string changing, bool ignoreIfRange)
    {
        var (h, job) = await CompletedJobAsync(e => { e.ChangingVideo = changing; e.IgnoreIfRange = ignoreIfRange; });
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1);
        string dest = Path.Combine(h.TempDir, "changing.mp4");

        var result = await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);

        int served = h.Server.GetStats().VideoVersionsServed;
        Assert.Equal(h.Requests(EmulatorEndpoints.CdnVideo), served);
        string[] versions = await VersionHashesAsync(h, job.Uuid, served);
        string saved = HappyPathTests.Sha256Of(dest);
        Assert.Contains(saved, versions);
        Assert.NotEqual(versions[0], saved); // the first version was cut; what was saved came later, whole
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid, 1))!.Length, new FileInfo(dest).Length);
        Assert.Equal(result.Length, new FileInfo(dest).Length);
        Assert.Equal(saved, result.Sha256); // the hash of the whole file on disk, not of the bytes of the last attempt
        Assert.Equal(new[] { dest }, Directory.GetFiles(h.TempDir));
    }

    [Fact]
    public async Task A_download_of_an_unchanged_file_still_resumes_with_a_range()
    {
        var (h, job) = await CompletedJobAsync(e => e.ChangingVideo = TransferModes.Off);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1);
        string dest = Path.Combine(h.TempDir, "resumed.mp4");
        var result = await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);
        Assert.Equal(1, result.Resumes);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(HappyPathTests.Sha256Of(dest), result.Sha256); // a resumed transfer still hashes the whole file
    }

    [Fact]
    public async Task A_file_that_changes_on_every_attempt_ends_in_a_typed_error_and_no_file()
    {
        var (h, job) = await CompletedJobAsync(e => { e.ChangingVideo = TransferModes.ChangingETag; e.IgnoreIfRange = true; });
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate);
        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "never.mp4"), false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Empty(Directory.GetFiles(h.TempDir));
        Assert.InRange(h.Requests(EmulatorEndpoints.CdnVideo), 2, 12);
    }

    [Fact]
    public async Task The_video_is_asked_for_as_stored_so_a_gzip_cdn_cut_halfway_resumes_into_the_original()
    {
        var (h, job) = await CompletedJobAsync(e => e.Gzip = TransferModes.GzipAll);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1);
        string dest = Path.Combine(h.TempDir, "identity.mp4");

        var result = await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);

        Assert.Equal(1, result.Resumes);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(HappyPathTests.Sha256Of(dest), result.Sha256); // a resumed transfer still hashes the whole file
    }

    [Fact]
    public async Task A_video_the_server_gzips_anyway_is_decoded_and_saved_as_the_original()
    {
        var (h, job) = await CompletedJobAsync();
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Gzip);
        string dest = Path.Combine(h.TempDir, "decoded.mp4");
        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(1, h.Requests(EmulatorEndpoints.CdnVideo));
    }

    [Theory]
    [InlineData(FaultKinds.Gzip, "cut")]     // the gzip data stops at 60% but the response ends cleanly
    [InlineData(FaultKinds.LyingGzip, null)] // says gzip, is not
    public async Task A_gzip_video_that_cannot_be_proven_whole_is_never_saved(string kind, string? value)
    {
        var (h, job) = await CompletedJobAsync(e => e.Gzip = TransferModes.Off);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, kind, value: value);
        var ex = await Assert.ThrowsAsync<VeoException>(() =>
            h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "bad.mp4"), false, null, CancellationToken.None));
        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Contains("gzip", ex.Message);
        Assert.Empty(Directory.GetFiles(h.TempDir));

        // Once the server behaves, the next attempt (a new request from zero) saves the original.
        h.Server.ClearFaults();
        h.Fault(EmulatorEndpoints.CdnVideo, kind, count: 1, value: value);
        string dest = Path.Combine(h.TempDir, "good.mp4");
        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);
        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
    }

    [Fact]
    public async Task A_video_on_the_api_origin_never_receives_the_key()
    {
        var (h, job) = await CompletedJobAsync(e => e.VideoOrigin = TransferModes.OriginApi);
        await using var _ = h;
        Assert.True(new Uri(job.VideoUrl!).Port == h.Server.ApiBaseUri.Port, "the videoUrl should be on the API origin");
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1); // the resume request must not carry it either
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Redirect, count: 1, value: job.VideoUrl);
        string dest = Path.Combine(h.TempDir, "same-origin.mp4");

        await h.Client.DownloadVideoAsync(job.VideoUrl!, dest, false, null, CancellationToken.None);

        Assert.Equal((await h.Server.GetVideoInfoAsync(job.Uuid))!.Sha256, HappyPathTests.Sha256Of(dest));
        Assert.Equal(3, h.Requests(EmulatorEndpoints.CdnVideo));
        Assert.Empty(h.Server.GetStats().ApiVideoAuthorizationHeaders);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
    }

    [Fact]
    public async Task Download_retries_run_through_the_shared_retry_budget()
    {
        var (h, job) = await CompletedJobAsync(e => e.VideoBytes = 0);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Html502);
        const int downloads = 30;
        for (int i = 0; i < downloads; i++)
        {
            var ex = await Assert.ThrowsAsync<VeoException>(() =>
                h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, i + ".mp4"), false, null, CancellationToken.None));
            Assert.Equal(VeoErrorKind.ServerError, ex.Kind);
        }
        // Unbudgeted this would be 120 (1 + 3 retries each); the shared budget allows a share of the calls plus a floor.
        Assert.InRange(h.Requests(EmulatorEndpoints.CdnVideo), downloads + 1, downloads * 3);
    }

    // ---------------------------------------------------------------- JSON answers

    [Fact]
    public async Task A_status_answer_that_says_gzip_but_is_not_is_an_invalid_response()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.LyingGzip);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("gzip", ex.Message);
        Assert.Equal(1, ex.Attempts);
    }

    [Fact]
    public async Task A_gzip_status_answer_cut_short_but_ending_cleanly_is_an_invalid_response()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Gzip, value: "cut");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
    }

    [Fact]
    public async Task A_charged_generation_whose_answer_says_gzip_but_is_not_is_outcome_unknown_and_not_retried()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.LyingGzip);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("a fox that was charged"));
        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.Equal(VeoErrorKind.InvalidResponse, ((VeoException)ex.InnerException!).Kind);
        Assert.False(string.IsNullOrEmpty(ex.RequestFingerprint));
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        Assert.Equal(2, h.Server.GetStats().CreditsCharged);

        // The next prompt goes out and succeeds: the failure was typed, not a crash of the client.
        h.Server.ClearFaults();
        Assert.Equal(VideoStatus.Pending, (await h.GenerateAsync("a bear")).Status);
    }

    [Fact]
    public async Task Json_answers_are_asked_for_and_read_compressed_and_the_video_is_not()
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.Gzip = TransferModes.GzipAll);
        var log = new RecordingLog();
        using (Veo31.Core.Logging.VeoLogScope.Use(log))
        {
            var job = await h.WaitCompletedAsync((await h.GenerateAsync()).Uuid);
            await h.Client.DownloadVideoAsync(job.VideoUrl!, Path.Combine(h.TempDir, "v.mp4"), false, null, CancellationToken.None);
        }
        Assert.Contains(log.Lines, l => l.StartsWith("DEBUG: Request POST", StringComparison.Ordinal) && l.Contains("Accept-Encoding: gzip"));
        Assert.Contains(log.Lines, l => l.StartsWith("DEBUG: Response 200", StringComparison.Ordinal) && l.Contains("Content-Encoding: gzip"));
        Assert.Contains(log.Lines, l => l.StartsWith("DEBUG: Download response headers", StringComparison.Ordinal) && !l.Contains("Content-Encoding"));
    }
}
