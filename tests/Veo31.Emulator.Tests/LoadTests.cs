using System.Diagnostics;
using System.Net;

namespace Veo31.Emulator.Tests;

/// <summary>The scale a client scheduler is benchmarked at: hundreds of running jobs, many status polls a second.</summary>
public class LoadTests
{
    [Fact]
    public async Task Six_hundred_running_jobs_polled_a_thousand_times_are_answered_promptly_and_counted_exactly()
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 600; o.Credits = 10_000; o.RateLimitStatus = 1_000_000; });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 });
        using var gate = new SemaphoreSlim(16);

        async Task<Reply> Limited(Func<HttpRequestMessage> request)
        {
            await gate.WaitAsync();
            try { return await emu.SendAsync(request(), http); }
            finally { gate.Release(); }
        }

        var clock = Stopwatch.StartNew();
        var created = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Limited(() =>
        {
            var request = emu.ApiRequest(HttpMethod.Post, "generate-video");
            request.Content = System.Net.Http.Json.JsonContent.Create(new { generationType = "text_to_video", prompt = $"[seconds={300 + i}] job {i}" });
            return request;
        })));
        var uuids = created.Select(r => r.AssertEnvelope(0, HttpStatusCode.OK).Data.GetProperty("uuid").GetString()!).ToList();
        var polls = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Limited(() => emu.ApiRequest(HttpMethod.Get, "video-status/" + uuids[i % uuids.Count]))));
        var elapsed = clock.Elapsed;

        Assert.All(polls, p => Assert.Equal("pending", p.AssertEnvelope(0, HttpStatusCode.OK).Data.GetProperty("status").GetString()));
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"1600 requests took {elapsed}"); // a few seconds even on a busy 2-core machine
        var stats = emu.Server.GetStats();
        Assert.Equal((600L, 1000L, 0L), (stats.Requests["generate-video"], stats.Requests["video-status"], stats.RateLimited["video-status"]));
        Assert.Equal(600, (await emu.ControlGetAsync("jobs")).GetArrayLength());
    }
}
