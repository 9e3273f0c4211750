using System.Security.Cryptography;
using Veo31.Core.Errors;
using Veo31.Core.Validation;
using Veo31.Core.Logging;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

public class HappyPathTests
{
    [Fact]
    public async Task Generate_returns_the_accepted_job_and_charges_once()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.Client.GenerateVideoAsync(new GenerateVideoRequest { Prompt = "a red fox", AspectRatio = "16:9" }, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(job.Uuid));
        Assert.Equal(VideoStatus.Pending, job.Status);
        Assert.Equal("text_to_video", job.GenerationType);
        Assert.Equal("a red fox", job.Prompt);
        Assert.Equal("16:9", job.AspectRatio);
        Assert.NotNull(job.CreatedAt);
        var stats = h.Server.GetStats();
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        Assert.Equal(2, stats.CreditsCharged);
    }

    [Fact]
    public async Task Status_moves_to_completed_with_a_video_url_on_the_cdn()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        var done = await h.WaitCompletedAsync(job.Uuid);

        Assert.Equal(VideoStatus.Completed, done.Status);
        Assert.Equal(100, done.Progress);
        Assert.StartsWith(h.Server.CdnBaseUri.GetLeftPart(UriPartial.Authority), done.VideoUrl);
    }

    [Theory]
    [InlineData("[fail]")]
    [InlineData("[fail:errorMessage]")]
    [InlineData("[fail:error]")]
    [InlineData("[fail:msg]")]
    public async Task A_failed_job_reports_its_reason_whichever_field_carries_it(string marker)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync("a doomed clip " + marker);
        var done = await h.WaitCompletedAsync(job.Uuid);

        Assert.Equal(VideoStatus.Failed, done.Status);
        Assert.False(string.IsNullOrWhiteSpace(done.FailureReason));
        Assert.NotEqual("Success", done.FailureReason);
    }

    [Fact]
    public async Task Upload_streams_the_image_reports_progress_and_feeds_image_to_video()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string path = Path.Combine(h.TempDir, "photo.jpg"); // really a PNG: the detected format wins
        var bytes = new byte[300_000];
        new Random(1).NextBytes(bytes);
        RequestRuleTests.Png.CopyTo(bytes, 0);
        await File.WriteAllBytesAsync(path, bytes);
        var reports = new List<TransferProgress>();
        var progress = new SynchronousProgress<TransferProgress>(reports.Add);

        var image = await h.Client.UploadImageAsync(path, progress, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(image.ImageUrl));
        Assert.False(string.IsNullOrEmpty(image.ImageKey));
        Assert.Equal(ImageFormat.Png, image.Format);
        Assert.Equal(bytes.Length, image.Length);
        Assert.Equal(Path.GetFullPath(path), image.SourcePath);
        Assert.Equal(bytes.Length, reports[^1].BytesTransferred);
        Assert.True(reports.Count > 2);

        var job = await h.Client.GenerateVideoAsync(
            new GenerateVideoRequest { Prompt = "animate it", ImageUrl = image.ImageUrl, ImageKey = image.ImageKey }, CancellationToken.None);
        Assert.Equal("image_to_video", job.GenerationType);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
    }

    [Fact]
    public async Task Download_matches_the_emulator_video_and_never_sends_the_key_to_the_cdn()
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.VideoBytes = 1_000_000);
        var done = await h.WaitCompletedAsync((await h.GenerateAsync()).Uuid);
        string dest = Path.Combine(h.TempDir, "out", "clip.mp4");
        var reports = new List<TransferProgress>();

        var result = await h.Client.DownloadVideoAsync(done.VideoUrl!, dest, overwrite: false,
            new SynchronousProgress<TransferProgress>(reports.Add), CancellationToken.None);

        var expected = await h.Server.GetVideoInfoAsync(done.Uuid);
        Assert.Equal(dest, result.Path);
        Assert.Equal(expected!.Length, result.Length);
        Assert.Equal(expected.Sha256, Sha256Of(dest));
        Assert.Equal(0, result.Resumes);
        Assert.Equal(expected.Length, reports[^1].BytesTransferred);
        Assert.Equal(expected.Length, reports[^1].TotalBytes);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(dest)!));
    }

    [Fact]
    public async Task Logs_show_method_path_status_and_attempt_but_never_the_key()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var log = new RecordingLog();
        using (VeoLogScope.Use(log))
        {
            var job = await h.GenerateAsync();
            await h.Client.GetVideoStatusAsync(job.Uuid + "?x=1", CancellationToken.None).ContinueWith(_ => { });
            await h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None);
        }
        Assert.Contains(log.Lines, l => l.StartsWith("VERBOSE: POST /api/generate-video -> 200 (attempt 1, "));
        Assert.Contains(log.Lines, l => l.StartsWith("VERBOSE: GET /api/video-status/") && l.Contains("-> 200"));
        Assert.Contains(log.Lines, l => l.StartsWith("DEBUG: Response 200") && l.Contains("\"uuid\""));
        Assert.All(log.Lines, l => Assert.DoesNotContain(EmulatorHarness.Key, l));
        Assert.All(log.Lines, l => Assert.DoesNotContain("Bearer", l));
    }

    internal static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly object _gate = new();
    public void Report(T value) { lock (_gate) report(value); }
}
