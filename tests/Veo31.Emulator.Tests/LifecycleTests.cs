using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

public class LifecycleTests
{
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

    [Fact]
    public async Task Job_seconds_changed_through_config_apply_to_new_jobs()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        emu.Server.UpdateConfig(new EmulatorConfigPatch { JobSeconds = 0.2 });
        var uuid = await emu.NewJobAsync();
        Assert.Equal("completed", (await emu.WaitForEndAsync(uuid, TimeSpan.FromSeconds(3))).GetProperty("status").GetString());
    }
}
