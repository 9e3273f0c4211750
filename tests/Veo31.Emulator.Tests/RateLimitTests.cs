using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>Per-endpoint rate limits (--rate-limit-status/-generate/-upload) beside the all-endpoints --rate-limit.</summary>
public class RateLimitTests
{
    private static bool IsRateLimited(Reply reply) => reply.Body.Contains("\"code\":1003");

    /// <summary>A burst of t seconds spans at most floor(t)+2 fixed one-second windows.</summary>
    private static int WindowsTouched(Stopwatch clock) => (int)clock.Elapsed.TotalSeconds + 2;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_status_limit_answers_1003_on_status_only_and_stats_count_it(bool errorsHttp200)
    {
        await using var emu = await TestEmulator.StartAsync(o =>
        {
            o.JobSeconds = 60;
            o.RateLimitStatus = 2;
            o.RetryAfter = 5;
            o.ErrorsHttp200 = errorsHttp200;
            o.Keys = ["a", "b"];
        });
        var uuid = (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "a")).Data.GetProperty("uuid").GetString()!;

        var clock = Stopwatch.StartNew();
        var statuses = Enumerable.Range(0, 20).Select(_ => emu.StatusAsync(uuid, "a")).ToList();
        var generations = Enumerable.Range(0, 5).Select(i => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "g" + i }, "a")).ToList();
        var statusReplies = await Task.WhenAll(statuses);
        var generateReplies = await Task.WhenAll(generations);
        var windows = WindowsTouched(clock);

        Assert.All(generateReplies, r => r.AssertEnvelope(0, HttpStatusCode.OK));
        var limited = statusReplies.Where(IsRateLimited).ToList();
        Assert.InRange(statusReplies.Length - limited.Count, 2, 2 * windows);
        Assert.All(statusReplies.Except(limited), r => r.AssertEnvelope(0, HttpStatusCode.OK));
        foreach (var r in limited)
        {
            r.AssertEnvelope(1003, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests);
            Assert.Equal("5", r.Message.Headers.GetValues("Retry-After").Single());
        }
        (await emu.StatusAsync(uuid, "b")).AssertEnvelope(0, HttpStatusCode.OK); // another key has its own window

        var stats = emu.Server.GetStats();
        Assert.Equal(limited.Count, stats.RateLimited["video-status"]);
        Assert.Equal(0, stats.RateLimited["generate-video"]);
        Assert.Equal(0, stats.RateLimited["upload-video-image"]);
        var json = await emu.ControlGetAsync("stats");
        Assert.Equal(limited.Count, json.GetProperty("rateLimited").GetProperty("video-status").GetInt64());
        Assert.Equal(21, json.GetProperty("requests").GetProperty("video-status").GetInt64());
    }

    [Fact]
    public async Task Generate_and_upload_limits_set_through_the_control_endpoint_apply_to_their_endpoint_only()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync();
        var response = await emu.ControlPostAsync("config", """{"rateLimitGenerate":1,"rateLimitUpload":2}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((1, 2, 0, 0), (config.GetProperty("rateLimitGenerate").GetInt32(), config.GetProperty("rateLimitUpload").GetInt32(),
            config.GetProperty("rateLimitStatus").GetInt32(), config.GetProperty("rateLimit").GetInt32()));

        var clock = Stopwatch.StartNew();
        var generations = Enumerable.Range(0, 6).Select(i => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "g" + i })).ToList();
        var uploads = Enumerable.Range(0, 8).Select(_ => emu.UploadAsync(TestEmulator.Png())).ToList();
        var statuses = Enumerable.Range(0, 10).Select(_ => emu.StatusAsync(uuid)).ToList();
        var generateReplies = await Task.WhenAll(generations);
        var uploadReplies = await Task.WhenAll(uploads);
        var statusReplies = await Task.WhenAll(statuses);
        var windows = WindowsTouched(clock);

        Assert.All(statusReplies, r => r.AssertEnvelope(0, HttpStatusCode.OK));
        var generateLimited = generateReplies.Count(IsRateLimited);
        var uploadLimited = uploadReplies.Count(IsRateLimited);
        Assert.InRange(generateReplies.Length - generateLimited, 1, windows);
        Assert.InRange(uploadReplies.Length - uploadLimited, 2, 2 * windows);
        var stats = emu.Server.GetStats();
        Assert.Equal((generateLimited, uploadLimited, 0L), (stats.RateLimited["generate-video"], stats.RateLimited["upload-video-image"], stats.RateLimited["video-status"]));
        Assert.Equal(6 - generateLimited + 1, stats.Generations); // a 1003 charges nothing

        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"rateLimitStatus":-1}""")).StatusCode);
        emu.Server.UpdateConfig(c => { c.RateLimitGenerate = 0; c.RateLimitUpload = 0; });
        var after = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "h" + i })));
        Assert.All(after, r => r.AssertEnvelope(0, HttpStatusCode.OK));
    }

    [Fact]
    public async Task The_all_endpoints_limit_still_counts_every_endpoint_together()
    {
        await using var emu = await TestEmulator.StartAsync(o =>
        {
            o.JobSeconds = 60;
            o.RateLimit = 3;
            o.RateLimitStatus = 100;
        });
        var uuid = await emu.NewJobAsync();
        await Task.Delay(1100);

        var clock = Stopwatch.StartNew();
        var statuses = Enumerable.Range(0, 6).Select(_ => emu.StatusAsync(uuid)).ToList();
        var uploads = Enumerable.Range(0, 6).Select(_ => emu.UploadAsync(TestEmulator.Png())).ToList();
        var replies = (await Task.WhenAll(statuses)).Concat(await Task.WhenAll(uploads)).ToList();
        var windows = WindowsTouched(clock);

        Assert.InRange(replies.Count(r => !IsRateLimited(r)), 3, 3 * windows);
        var stats = emu.Server.GetStats();
        Assert.Equal(replies.Count(IsRateLimited), stats.RateLimited["video-status"] + stats.RateLimited["upload-video-image"]);
    }

    [Fact]
    public async Task RateLimit_fault_answers_count_as_rate_limited_too_and_reset_zeroes_them()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.RateLimit, Count = 3 });
        for (var i = 0; i < 5; i++) await emu.StatusAsync(uuid);
        var stats = emu.Server.GetStats();
        Assert.Equal(3, stats.RateLimited["video-status"]);
        Assert.Equal(5, stats.Requests["video-status"]);
        Assert.Equal(new[] { "cdn-image", "cdn-video", "generate-video", "upload-video-image", "video-status" }, stats.RateLimited.Keys);

        emu.Server.ResetStats();
        Assert.All(emu.Server.GetStats().RateLimited.Values, n => Assert.Equal(0, n));
    }
}
