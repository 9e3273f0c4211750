using System.Net.Http;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Keys as people paste them, failures before the wire, and a client closed while calls run.</summary>
public class KeyAndLifetimeTests
{
    [Theory]
    [InlineData("", "\n")]
    [InlineData("  ", " \r\n")]
    [InlineData("\t\uFEFF", "\u00A0\u2028")]
    public async Task Surrounding_white_space_and_line_breaks_are_trimmed_from_the_key(string before, string after)
    {
        await using var h = await EmulatorHarness.StartAsync(clientKey: before + EmulatorHarness.Key + after);

        VideoJobInfo job = await h.GenerateAsync("pasted key");

        Assert.False(string.IsNullOrEmpty(job.Uuid));
    }

    [Theory]
    [InlineData("zq-caf\u00E9-canary", "non-ASCII", 7)]
    [InlineData("zq-\u00A0-canary", "non-ASCII", 4)]
    [InlineData("zq-\u200B-canary", "non-ASCII", 4)]
    [InlineData("zq-\n-canary", "control", 4)]
    [InlineData("zq-\0-canary", "control", 4)]
    [InlineData("zq-\u001B[2K-canary", "control", 4)]
    [InlineData("  zq-\u007F-canary\r\n", "control", 4)]
    public void A_key_that_cannot_go_in_a_header_is_refused_with_InvalidApiKey_naming_the_position_not_the_key(string key, string what, int position)
    {
        var ex = Assert.Throws<VeoException>(() => new VeoClient(LoopbackOptions(), EmulatorHarness.Secure(key)));

        Assert.Equal(VeoErrorKind.InvalidApiKey, ex.Kind);
        Assert.Contains(what, ex.Message);
        Assert.Contains("position " + position + " ", ex.Message);
        Assert.DoesNotContain("zq-", ex.ToString());
        Assert.DoesNotContain("canary", ex.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n")]
    [InlineData("\t \uFEFF")]
    public void A_key_empty_once_trimmed_is_refused_with_InvalidApiKey(string key)
    {
        var ex = Assert.Throws<VeoException>(() => new VeoClient(LoopbackOptions(), EmulatorHarness.Secure(key)));

        Assert.Equal(VeoErrorKind.InvalidApiKey, ex.Kind);
        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void The_normalised_key_is_a_new_read_only_copy()
    {
        using var given = EmulatorHarness.Secure("  sk-abc \n");

        using var key = ApiKeyHolder.Normalize(given);

        Assert.True(key.IsReadOnly());
        Assert.Equal(6, key.Length);
        Assert.Equal(10, given.Length);
    }

    [Fact]
    public async Task A_generation_that_fails_before_the_wire_keeps_its_kind_and_says_never_sent()
    {
        await using var h = await EmulatorHarness.StartAsync();
        using var transport = Transport(h.Server.ApiBaseUri);
        var call = new ApiCall("Video generation", HttpMethod.Post, new Uri(transport.BaseUri, "generate-video"))
        {
            IsGeneration = true,
            RequestFingerprint = "0123456789abcdef",
            CreateContent = _ => throw new FormatException("a header value the client cannot send"),
        };

        var ex = await Assert.ThrowsAsync<VeoException>(() => transport.CallAsync(call, d => d, CancellationToken.None));

        Assert.NotEqual(VeoErrorKind.GenerationOutcomeUnknown, ex.Kind);
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.True(ex.RequestNeverSent);
        Assert.Contains("not sent", ex.Message);
        Assert.DoesNotContain("header value", ex.Message);
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo));
    }

    [Fact]
    public async Task A_typed_failure_while_building_a_generation_is_not_an_unknown_outcome_either()
    {
        await using var h = await EmulatorHarness.StartAsync();
        using var transport = Transport(h.Server.ApiBaseUri);
        var call = new ApiCall("Video generation", HttpMethod.Post, new Uri(transport.BaseUri, "generate-video"))
        {
            IsGeneration = true,
            CreateContent = _ => throw new VeoException(VeoErrorKind.ImageFormatNotSupported, "not an image"),
        };

        var ex = await Assert.ThrowsAsync<VeoException>(() => transport.CallAsync(call, d => d, CancellationToken.None));

        Assert.Equal(VeoErrorKind.ImageFormatNotSupported, ex.Kind);
        Assert.True(ex.RequestNeverSent);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo));
    }

    [Fact]
    public async Task A_generation_on_the_wire_when_the_client_is_disposed_finishes_and_the_next_call_is_refused()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.Delay, count: 1, delayMs: 1000);

        long sent = h.Requests(EmulatorEndpoints.GenerateVideo);
        Task<VideoJobInfo> onTheWire = h.GenerateAsync("on the wire");
        await WaitForRequestAsync(h, EmulatorEndpoints.GenerateVideo, sent);
        h.Client.Dispose();
        VideoJobInfo job = await onTheWire;

        Assert.False(string.IsNullOrEmpty(job.Uuid));
        Assert.Equal(1, h.Server.GetStats().Generations);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.GenerateAsync("after close"));
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
    }

    [Fact]
    public async Task A_status_read_on_the_wire_when_the_client_is_disposed_finishes_rather_than_timing_out()
    {
        await using var h = await EmulatorHarness.StartAsync();
        VideoJobInfo job = await h.GenerateAsync("read while closing");
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.Delay, count: 1, delayMs: 1000);

        long sent = h.Requests(EmulatorEndpoints.VideoStatus);
        Task<VideoJobInfo> onTheWire = h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None);
        await WaitForRequestAsync(h, EmulatorEndpoints.VideoStatus, sent);
        h.Client.Dispose();

        Assert.Equal(job.Uuid, (await onTheWire).Uuid);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
    }

    [Fact]
    public async Task Every_call_on_a_disposed_client_is_ObjectDisposedException_and_sends_nothing()
    {
        await using var h = await EmulatorHarness.StartAsync();
        VideoJobInfo job = await h.GenerateAsync("before close");
        long before = h.Server.GetStats().Requests.Values.Sum();
        h.Client.Dispose();
        string image = Path.Combine(h.TempDir, "x.png");
        File.WriteAllBytes(image, new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0 });

        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.GenerateAsync("after close"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Client.UploadImageAsync(image, null, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            h.Client.DownloadVideoAsync("http://127.0.0.1:1/video.mp4", Path.Combine(h.TempDir, "v.mp4"), false, null, CancellationToken.None));
        Assert.Equal(before, h.Server.GetStats().Requests.Values.Sum());
    }

    private static VeoClientOptions LoopbackOptions() => new() { BaseUri = new Uri("http://127.0.0.1:1/api") };

    private static ApiTransport Transport(Uri baseUri)
    {
        VeoClientOptions options = EmulatorHarness.FastOptions(baseUri);
        return new ApiTransport(options, UrlRules.CheckBaseUri(baseUri), new ApiKeyHolder(EmulatorHarness.Secure(EmulatorHarness.Key)),
            HttpHandlerFactory.Create(options));
    }

    // The emulator counts a request when it arrives; the delay fault then holds its answer back for a second.
    private static async Task WaitForRequestAsync(EmulatorHarness h, string endpoint, long before)
    {
        for (int i = 0; i < 200 && h.Requests(endpoint) == before; i++) await Task.Delay(10);
        Assert.True(h.Requests(endpoint) > before, "the request never reached the emulator");
    }
}
