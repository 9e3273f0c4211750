using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

public class LifecycleTests
{
    private const string FailMarkerReason = "Video generation failed: the prompt asked for it with a [fail] marker.";

    [Fact]
    public async Task A_job_goes_pending_then_processing_then_completed_on_the_wall_clock()
    {
        const double duration = 2.0;
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = duration);
        var clock = Stopwatch.StartNew(); // started before the job, so At is never less than the job's age
        var uuid = await emu.NewJobAsync("a lighthouse at dusk");
        var seen = new List<(double At, JsonElement Data)>();
        while (true)
        {
            var data = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data.Clone();
            seen.Add((clock.Elapsed.TotalSeconds, data));
            if (data.GetProperty("status").GetString() == "completed") break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "job did not complete");
            await Task.Delay(40);
        }

        var statuses = seen.Select(s => s.Data.GetProperty("status").GetString()).ToList();
        Assert.True(statuses[0] == "pending" || seen[0].At >= 0.2 * duration, $"first poll at {seen[0].At:0.000}s was {statuses[0]}");
        Assert.All(seen.Where(s => s.At < 0.2 * duration), s => Assert.Equal("pending", s.Data.GetProperty("status").GetString()));
        Assert.All(seen.Where(s => s.Data.GetProperty("status").GetString() == "completed"), s => Assert.True(s.At >= duration));
        Assert.Contains("processing", statuses);
        Assert.Equal(statuses.OrderBy(s => Array.IndexOf(["pending", "processing", "completed"], s)), statuses);

        foreach (var (_, data) in seen)
        {
            Assert.Equal(uuid, data.GetProperty("uuid").GetString());
            Assert.Equal("text_to_video", data.GetProperty("generationType").GetString());
            Assert.Equal("a lighthouse at dusk", data.GetProperty("prompt").GetString());
            Assert.Equal("auto", data.GetProperty("aspectRatio").GetString());
            Assert.True(data.TryGetProperty("createdAt", out _));
        }
        foreach (var (_, data) in seen.Where(s => s.Data.GetProperty("status").GetString() == "pending"))
        {
            Assert.Equal(0, data.GetProperty("progress").GetInt32());
            Assert.Equal(2, data.GetProperty("estimatedTime").GetInt32()); // ceil(2.0 - age) while age < 0.4
            Assert.False(data.TryGetProperty("videoUrl", out _));
        }
        var processing = seen.Where(s => s.Data.GetProperty("status").GetString() == "processing").Select(s => s.Data).ToList();
        var progress = processing.Select(d => d.GetProperty("progress").GetInt32()).ToList();
        Assert.All(progress, p => Assert.InRange(p, 1, 99));
        Assert.Equal(progress.Order(), progress);
        Assert.True(progress[^1] > progress[0], "progress should rise while processing");
        Assert.All(processing, d => Assert.Equal(JsonValueKind.Number, d.GetProperty("estimatedTime").ValueKind));

        var done = seen[^1].Data;
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.False(done.TryGetProperty("estimatedTime", out _));
        Assert.Equal($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4", done.GetProperty("videoUrl").GetString());
        Assert.InRange(seen[^1].At, duration, duration + 3);
    }

    [Fact]
    public async Task EstimatedTime_is_whole_seconds_and_falls()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 30);
        var uuid = await emu.NewJobAsync("[seconds=2.5] slow");
        var first = (await emu.StatusAsync(uuid)).Data;
        Assert.Equal("pending", first.GetProperty("status").GetString());
        Assert.Equal(3, first.GetProperty("estimatedTime").GetInt32()); // ceil(2.5 - elapsed)
        await Task.Delay(1100);
        var later = (await emu.StatusAsync(uuid)).Data;
        Assert.Equal("processing", later.GetProperty("status").GetString());
        Assert.InRange(later.GetProperty("estimatedTime").GetInt32(), 1, 2);
    }

    [Fact]
    public async Task Seconds_marker_overrides_job_seconds()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var slow = await emu.NewJobAsync("no marker");
        var fast = await emu.NewJobAsync("quick one [seconds=0.3]");
        var clock = Stopwatch.StartNew();
        var data = await emu.WaitForEndAsync(fast, TimeSpan.FromSeconds(3));
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.1, 2);
        Assert.Equal("pending", (await emu.StatusAsync(slow)).Data.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("[fail]", "failReason")]
    [InlineData("[fail:errorMessage]", "errorMessage")]
    [InlineData("[fail:error]", "error")]
    [InlineData("[fail:msg]", "msg")]
    public async Task Fail_markers_end_the_job_failed_with_the_reason_in_the_named_field(string marker, string field)
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0.3);
        var uuid = await emu.NewJobAsync("doomed " + marker);
        var data = await emu.WaitForEndAsync(uuid);

        Assert.Equal("failed", data.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(data.GetProperty(field).GetString()));
        foreach (var other in new[] { "failReason", "errorMessage", "error", "msg" }.Where(f => f != field))
            Assert.False(data.TryGetProperty(other, out _), $"unexpected {other}");
        Assert.False(data.TryGetProperty("videoUrl", out _));
        Assert.False(data.TryGetProperty("estimatedTime", out _));

        var cdn = await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4");
        Assert.Equal(HttpStatusCode.NotFound, cdn.StatusCode);
    }

    /// <summary>Polls until the status is none of <paramref name="running"/>; returns every answer seen.</summary>
    private static async Task<List<JsonElement>> PollWhileAsync(TestEmulator emu, string uuid, params string[] running)
    {
        var seen = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var data = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data.Clone();
            seen.Add(data);
            if (!running.Contains(data.GetProperty("status").GetString())) return seen;
            Assert.True(DateTime.UtcNow < deadline, $"job {uuid} still {data.GetProperty("status").GetString()}");
            await Task.Delay(30);
        }
    }

    [Theory]
    [InlineData("[status=cancelled]", "cancelled")]
    [InlineData("[status=expired]", "expired")]
    [InlineData("[status=content_policy_violation]", "content_policy_violation")]
    public async Task Status_marker_ends_the_job_with_that_raw_status_and_no_url(string marker, string status)
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync("[seconds=0.3] " + marker);
        var seen = await PollWhileAsync(emu, uuid, "pending", "processing");
        var end = seen[^1];

        Assert.Equal(status, end.GetProperty("status").GetString());
        Assert.Equal(100, end.GetProperty("progress").GetInt32());
        Assert.False(end.TryGetProperty("videoUrl", out _));
        Assert.False(end.TryGetProperty("estimatedTime", out _));
        Assert.False(end.TryGetProperty("failReason", out _));
        Assert.Equal(status, (await emu.StatusAsync(uuid)).Data.GetProperty("status").GetString()); // it stays
        Assert.Equal(status, emu.Server.GetJobs().Single().Status);
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4")).StatusCode);
    }

    [Theory]
    [InlineData("[status=cancelled:Cancelled by the operator]", "failReason", "Cancelled by the operator")]
    [InlineData("[status=expired:]", "failReason", "")]
    [InlineData("[status=cancelled][fail]", "failReason", FailMarkerReason)]
    [InlineData("[fail:errorMessage] [status=expired]", "errorMessage", FailMarkerReason)]
    [InlineData("[status=expired:link gone] [fail:error]", "error", "link gone")]
    public async Task Status_marker_with_a_reason_or_fail_carries_the_reason(string marker, string field, string reason)
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0.2);
        var uuid = await emu.NewJobAsync("doomed " + marker);
        var end = (await PollWhileAsync(emu, uuid, "pending", "processing"))[^1];

        Assert.NotEqual("failed", end.GetProperty("status").GetString());
        Assert.NotEqual("completed", end.GetProperty("status").GetString());
        Assert.Equal(reason, end.GetProperty(field).GetString());
        foreach (var other in new[] { "failReason", "errorMessage", "error" }.Where(f => f != field))
            Assert.False(end.TryGetProperty(other, out _), $"unexpected {other}");
        Assert.False(end.TryGetProperty("videoUrl", out _));
    }

    [Fact]
    public async Task Midstatus_marker_replaces_pending_and_processing_until_the_end()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync("[seconds=1.5] [midstatus=queued_v2] a queue nobody documented");
        var seen = await PollWhileAsync(emu, uuid, "queued_v2");

        var running = seen.SkipLast(1).ToList();
        Assert.NotEmpty(running);
        Assert.All(running, d => Assert.Equal(JsonValueKind.Number, d.GetProperty("estimatedTime").ValueKind));
        var progress = running.Select(d => d.GetProperty("progress").GetInt32()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Equal("completed", seen[^1].GetProperty("status").GetString());
        Assert.True(seen[^1].TryGetProperty("videoUrl", out _));
    }

    [Fact]
    public async Task Midstatus_and_status_markers_combine()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0.3);
        var uuid = await emu.NewJobAsync("[midstatus=in-queue] [status=expired:too late]");
        var seen = await PollWhileAsync(emu, uuid, "in-queue");
        Assert.Equal("expired", seen[^1].GetProperty("status").GetString());
        Assert.Equal("too late", seen[^1].GetProperty("failReason").GetString());
    }

    [Fact]
    public async Task Nourl_marker_omits_the_url_from_the_first_n_completed_answers()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync("[seconds=1] [nourl=2]");
        var seen = await PollWhileAsync(emu, uuid, "pending", "processing");
        Assert.True(seen.Count >= 3, "the running answers before completion do not use the omissions up");
        var second = (await emu.StatusAsync(uuid)).Data;
        var third = (await emu.StatusAsync(uuid)).Data;

        foreach (var data in new[] { seen[^1], second })
        {
            Assert.Equal("completed", data.GetProperty("status").GetString());
            Assert.Equal(100, data.GetProperty("progress").GetInt32());
            Assert.False(data.TryGetProperty("videoUrl", out _));
        }
        Assert.Equal($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4", third.GetProperty("videoUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4")).StatusCode);
    }

    [Fact]
    public async Task A_huge_nourl_never_gives_the_url()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 0);
        var uuid = await emu.NewJobAsync("[nourl=99999999999999999999999]");
        for (var i = 0; i < 5; i++)
        {
            var data = (await emu.StatusAsync(uuid)).Data;
            Assert.Equal("completed", data.GetProperty("status").GetString());
            Assert.False(data.TryGetProperty("videoUrl", out _));
        }
    }

    [Fact]
    public async Task Job_seconds_changed_through_config_apply_to_new_jobs()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        emu.Server.UpdateConfig(c => c.JobSeconds = 0.2);
        var uuid = await emu.NewJobAsync();
        Assert.Equal("completed", (await emu.WaitForEndAsync(uuid, TimeSpan.FromSeconds(3))).GetProperty("status").GetString());
    }
}
