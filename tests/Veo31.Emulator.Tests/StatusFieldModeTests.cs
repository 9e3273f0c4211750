using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>--estimated-time exact|noisy|missing and --progress exact|missing.</summary>
public class StatusFieldModeTests
{
    private static async Task<List<JsonElement>> PollAsync(TestEmulator emu, string uuid, int times)
    {
        var seen = new List<JsonElement>();
        for (var i = 0; i < times; i++) seen.Add((await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data.Clone());
        return seen;
    }

    private static async Task<List<int>> NoisyEstimatesAsync(int seed)
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.EstimatedTime = "noisy"; o.Seed = seed; });
        var uuid = await emu.NewJobAsync("[seconds=1000] long");
        return (await PollAsync(emu, uuid, 30)).Select(d => d.GetProperty("estimatedTime").GetInt32()).ToList();
    }

    [Fact]
    public async Task Noisy_estimates_scatter_between_half_and_one_and_a_half_of_the_truth_reproducibly_with_a_seed()
    {
        var a = await NoisyEstimatesAsync(7);
        Assert.All(a, e => Assert.InRange(e, 490, 1500)); // 1000 s minus the few seconds the test takes, x 0.5..1.5
        Assert.True(a.Distinct().Count() > 10, "noisy estimates should differ from answer to answer: " + string.Join(",", a));
        Assert.Contains(a, e => e < 900);
        Assert.Contains(a, e => e > 1100);

        var b = await NoisyEstimatesAsync(7);
        Assert.All(a.Zip(b), p => Assert.InRange(p.First - p.Second, -10, 10)); // same seed, same factors (the clock moves a little)
        var c = await NoisyEstimatesAsync(8);
        Assert.Contains(a.Zip(c), p => Math.Abs(p.First - p.Second) > 50);
    }

    [Fact]
    public async Task Exact_is_the_default_and_gives_the_remaining_seconds_rounded_up()
    {
        await using var emu = await TestEmulator.StartAsync();
        Assert.Equal("exact", (await emu.ControlGetAsync("config")).GetProperty("estimatedTime").GetString());
        var uuid = await emu.NewJobAsync("[seconds=1000] long");
        Assert.All(await PollAsync(emu, uuid, 5), d => Assert.InRange(d.GetProperty("estimatedTime").GetInt32(), 990, 1000));
    }

    [Fact]
    public async Task Missing_estimated_time_leaves_progress_and_can_be_switched_at_run_time()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.EstimatedTime = "missing");
        var uuid = await emu.NewJobAsync("[seconds=30]");
        var seen = await PollAsync(emu, uuid, 3);
        Assert.All(seen, d => Assert.False(d.TryGetProperty("estimatedTime", out _)));
        Assert.All(seen, d => Assert.Equal(JsonValueKind.Number, d.GetProperty("progress").ValueKind));

        var response = await emu.ControlPostAsync("config", """{"estimatedTime":"noisy"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Number, (await emu.StatusAsync(uuid)).Data.GetProperty("estimatedTime").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"estimatedTime":"sometimes"}""")).StatusCode);
        Assert.Equal("noisy", emu.Server.GetConfig().EstimatedTime);
    }

    [Fact]
    public async Task Missing_progress_drops_the_field_in_every_status_answer_and_keeps_the_estimate()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.Progress = "missing");
        var uuid = await emu.NewJobAsync("[seconds=1.5]");
        var running = (await emu.StatusAsync(uuid)).Data;
        Assert.False(running.TryGetProperty("progress", out _));
        Assert.Equal(JsonValueKind.Number, running.GetProperty("estimatedTime").ValueKind);
        var done = await emu.WaitForEndAsync(uuid);
        Assert.False(done.TryGetProperty("progress", out _));

        emu.Server.UpdateConfig(c => c.Progress = "exact");
        Assert.Equal(100, (await emu.StatusAsync(uuid)).Data.GetProperty("progress").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"progress":"noisy"}""")).StatusCode);
    }
}
