using System.Security.Cryptography;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>
/// Streaming into a sink (what a blob destination is) follows the file's download rules: bytes in order, a restart for a
/// new version, completion only when whole, abandonment otherwise, and the hash of the bytes kept.
/// </summary>
public class VideoSinkTests
{
    private static string Sha256Of(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static async Task<(EmulatorHarness H, string Uuid, string Url)> CompletedJobAsync(Action<EmulatorOptions>? emulator = null, Action<Http.VeoClientOptions>? client = null)
    {
        var h = await EmulatorHarness.StartAsync(emulator, client);
        var job = await h.WaitCompletedAsync((await h.GenerateAsync()).Uuid);
        return (h, job.Uuid, job.VideoUrl!);
    }

    [Fact]
    public async Task A_broken_transfer_continues_into_the_same_sink_and_completes_it_once_whole()
    {
        var (h, uuid, url) = await CompletedJobAsync(e => e.VideoBytes = 3_000_000);
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1);
        var sink = new RecordingSink();

        var result = await h.Client.DownloadVideoToAsync(url, sink, null, CancellationToken.None);

        var expected = (await h.Server.GetVideoInfoAsync(uuid))!;
        Assert.Equal((1, 0, 1, 0), (sink.Opened, sink.Restarts, sink.Completed, sink.Abandoned));
        Assert.Equal(expected.Sha256, Sha256Of(sink.Bytes));
        Assert.Equal(expected.Sha256, result.Sha256);
        Assert.Equal(expected.Length, result.Length);
        Assert.Equal(1, result.Resumes);
        Assert.Equal(sink.Location, result.Path);
        Assert.Empty(h.Server.GetStats().CdnAuthorizationHeaders);
    }

    [Fact]
    public async Task A_new_version_mid_transfer_restarts_the_sink_so_two_versions_are_never_spliced()
    {
        var (h, uuid, url) = await CompletedJobAsync(e => { e.VideoBytes = 3_000_000; e.ChangingVideo = TransferModes.ChangingETag; e.IgnoreIfRange = true; });
        await using var _ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate, count: 1);
        var sink = new RecordingSink();

        var result = await h.Client.DownloadVideoToAsync(url, sink, null, CancellationToken.None);

        Assert.True(sink.Restarts >= 1, "the cut first version is forgotten");
        Assert.Equal(1, sink.Completed);
        string kept = Sha256Of(sink.Bytes);
        Assert.Equal(kept, result.Sha256); // the hash of what the sink holds, not of every byte received
        int served = h.Server.GetStats().VideoVersionsServed;
        var versions = new List<string>();
        for (int v = 1; v <= served; v++) versions.Add((await h.Server.GetVideoInfoAsync(uuid, v))!.Sha256);
        Assert.Contains(kept, versions);
        Assert.NotEqual(versions[0], kept); // the first version was cut; what was kept came later, whole
    }

    [Fact]
    public async Task A_transfer_that_keeps_breaking_abandons_the_sink_and_never_completes_it()
    {
        var (h, _, url) = await CompletedJobAsync(e => e.VideoBytes = 2_000_000, o => o.MaxRetryCount = 1);
        await using var __ = h;
        h.Fault(EmulatorEndpoints.CdnVideo, FaultKinds.Truncate);
        var sink = new RecordingSink();

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.DownloadVideoToAsync(url, sink, null, CancellationToken.None));

        Assert.Equal(VeoErrorKind.DownloadIncomplete, ex.Kind);
        Assert.Equal((0, 1), (sink.Completed, sink.Abandoned));
    }

    [Fact]
    public async Task A_sink_that_refuses_the_bytes_stops_the_transfer_at_once_with_its_own_error()
    {
        var (h, _, url) = await CompletedJobAsync(e => e.VideoBytes = 2_000_000);
        await using var __ = h;
        var sink = new RecordingSink
        {
            FailWrite = kept => kept > 500_000 ? new VeoException(VeoErrorKind.StorageFailed, "The blob cannot be written: HTTP 403.") : null,
        };

        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.DownloadVideoToAsync(url, sink, null, CancellationToken.None));

        Assert.Equal(VeoErrorKind.StorageFailed, ex.Kind);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.CdnVideo)); // not a network failure: neither resumed nor retried
        Assert.Equal((0, 1), (sink.Completed, sink.Abandoned));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void The_mp4_layout_is_followed_whatever_the_pieces_the_bytes_arrive_in(int piece)
    {
        // ftyp (16 bytes), a box with a 64-bit size (24 bytes), then free (8 bytes).
        byte[] video =
        [
            0, 0, 0, 16, (byte)'f', (byte)'t', (byte)'y', (byte)'p', 1, 2, 3, 4, 5, 6, 7, 8,
            0, 0, 0, 1, (byte)'m', (byte)'d', (byte)'a', (byte)'t', 0, 0, 0, 0, 0, 0, 0, 24, 9, 9, 9, 9, 9, 9, 9, 9,
            0, 0, 0, 8, (byte)'f', (byte)'r', (byte)'e', (byte)'e',
        ];
        for (int length = 0; length <= video.Length; length++)
        {
            var layout = new Mp4Layout();
            for (int offset = 0; offset < length; offset += piece) layout.Append(video, offset, Math.Min(piece, length - offset));
            bool whole = length == 0 || length == 16 || length == 40 || length == 48;
            Assert.True(whole == layout.SpansExactly, "length " + length);
        }
    }
}
