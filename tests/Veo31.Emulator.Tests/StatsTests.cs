using System.Net;

namespace Veo31.Emulator.Tests;

public class StatsTests
{
    [Fact]
    public async Task Requests_are_counted_per_endpoint_including_faulted_and_rejected_ones()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0);
        var uuid = await emu.NewJobAsync();
        await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, key: null);
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Error5000, Count = 1 });
        await emu.StatusAsync(uuid);
        await emu.StatusAsync(uuid);
        await emu.StatusAsync(uuid);
        var imageUrl = (await emu.UploadAsync(TestEmulator.Png())).Data.GetProperty("imageUrl").GetString()!;
        await emu.Http.GetAsync(imageUrl);
        await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4");
        await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4");

        var stats = emu.Server.GetStats();
        Assert.Equal(2, stats.Requests["generate-video"]);
        Assert.Equal(3, stats.Requests["video-status"]);
        Assert.Equal(1, stats.Requests["upload-video-image"]);
        Assert.Equal(2, stats.Requests["cdn-video"]);
        Assert.Equal(1, stats.Requests["cdn-image"]);
        Assert.Equal(1, stats.Generations);
        Assert.Equal(2, stats.CreditsCharged);

        var json = await emu.ControlGetAsync("stats");
        Assert.Equal(new[] { "requests", "rateLimited", "creditsCharged", "generations", "duplicateCharges", "peakConcurrentConnections", "cdnAuthorizationHeaders", "proxyRequests",
                "apiVideoAuthorizationHeaders", "uploadFileNames", "uploadSha256s", "videoVersionsServed" },
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, json.GetProperty("requests").GetProperty("video-status").GetInt64());
        Assert.Equal(2, json.GetProperty("creditsCharged").GetInt64());
    }

    [Fact]
    public async Task Duplicate_charges_count_identical_requests_only()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.Keys = ["a", "b"]);
        var body = new { generationType = "text_to_video", prompt = "same", aspectRatio = "16:9" };
        await emu.GenerateAsync(body, "a");
        await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "same", aspectRatio = "9:16" }, "a");
        await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "other", aspectRatio = "16:9" }, "a");
        await emu.GenerateAsync(body, "b");
        Assert.Equal(0, emu.Server.GetStats().DuplicateCharges);

        await emu.GenerateAsync(body, "a");
        await emu.GenerateAsync(body, "a");
        var stats = emu.Server.GetStats();
        Assert.Equal(2, stats.DuplicateCharges);
        Assert.Equal(6, stats.Generations);
        Assert.Equal(12, stats.CreditsCharged);
    }

    [Fact]
    public async Task Reset_zeroes_the_counters_but_keeps_jobs_keys_and_uploads()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0);
        var body = new { generationType = "text_to_video", prompt = "same" };
        var uuid = (await emu.GenerateAsync(body)).Data.GetProperty("uuid").GetString()!;
        await emu.GenerateAsync(body);
        var imageUrl = (await emu.UploadAsync(TestEmulator.Png())).Data.GetProperty("imageUrl").GetString()!;
        var auth = new HttpRequestMessage(HttpMethod.Get, imageUrl) { Headers = { Authorization = new("Bearer", "x") } };
        await emu.Http.SendAsync(auth);
        Assert.Equal(1, emu.Server.GetStats().DuplicateCharges);

        var reset = await emu.ControlPostAsync("stats/reset", "");
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var stats = emu.Server.GetStats();
        Assert.All(stats.Requests.Values, n => Assert.Equal(0, n));
        Assert.Equal((0L, 0L, 0L), (stats.CreditsCharged, stats.Generations, stats.DuplicateCharges));
        Assert.Empty(stats.CdnAuthorizationHeaders);

        (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await emu.Http.GetAsync(imageUrl)).StatusCode);
        Assert.Equal(996, emu.Server.GetCredits(emu.Server.ApiKey));
        await emu.GenerateAsync(body);
        Assert.Equal(0, emu.Server.GetStats().DuplicateCharges); // fingerprints are forgotten on reset
    }

    [Fact]
    public async Task Peak_concurrent_connections_counts_open_api_connections()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Delay, DelayMs = 600 });
        emu.Server.ResetStats();
        Assert.InRange(emu.Server.GetStats().PeakConcurrentConnections, 0, 1); // the setup client's idle connection

        using var many = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 12 });
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), many)));
        Assert.All(replies, r => r.AssertEnvelope(0, HttpStatusCode.OK));
        Assert.InRange(emu.Server.GetStats().PeakConcurrentConnections, 12, 13);
        Assert.InRange((await emu.ControlGetAsync("stats")).GetProperty("peakConcurrentConnections").GetInt32(), 12, 14);

        using var few = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2 });
        many.Dispose();
        await WaitUntilAsync(() =>
        {
            emu.Server.ResetStats();
            return emu.Server.GetStats().PeakConcurrentConnections <= 1;
        });
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), few)));
        Assert.InRange(emu.Server.GetStats().PeakConcurrentConnections, 2, 4); // + the idle setup/control connections
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Hundreds_of_concurrent_generations_lose_no_update()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.Credits = 1000);
        var replies = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "job " + (i % 150) })));
        Assert.All(replies, r => r.AssertEnvelope(0, HttpStatusCode.OK));
        var stats = emu.Server.GetStats();
        Assert.Equal(300, stats.Generations);
        Assert.Equal(600, stats.CreditsCharged);
        Assert.Equal(150, stats.DuplicateCharges);
        Assert.Equal(300, stats.Requests["generate-video"]);
        Assert.Equal(400, emu.Server.GetCredits(emu.Server.ApiKey));
        Assert.Equal(300, replies.Select(r => r.Data.GetProperty("uuid").GetString()).Distinct().Count());

        var polls = await Task.WhenAll(replies.Select(r => emu.StatusAsync(r.Data.GetProperty("uuid").GetString()!)));
        Assert.All(polls, p => p.AssertEnvelope(0, HttpStatusCode.OK));
    }
}
