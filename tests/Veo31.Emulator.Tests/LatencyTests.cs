using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>--latency-ms / --latency-jitter-ms: a delay on every API request, as a real link's round trip.</summary>
public class LatencyTests
{
    [Fact]
    public async Task Every_api_endpoint_waits_the_configured_latency_before_answering()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.LatencyMs = 300);
        var uuid = await emu.NewJobAsync();
        foreach (var call in new Func<Task<Reply>>[]
                 {
                     () => emu.StatusAsync(uuid),
                     () => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }),
                     () => emu.UploadAsync(TestEmulator.Png()),
                 })
        {
            var clock = Stopwatch.StartNew();
            (await call()).AssertEnvelope(0, HttpStatusCode.OK);
            Assert.InRange(clock.ElapsedMilliseconds, 290, 5000);
        }
    }

    [Fact]
    public async Task Latency_set_through_the_control_endpoint_applies_at_once_and_zero_turns_it_off()
    {
        await using var emu = await TestEmulator.StartAsync();
        var uuid = await emu.NewJobAsync();
        var response = await emu.ControlPostAsync("config", """{"latencyMs":400,"latencyJitterMs":100}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((400, 100), (config.GetProperty("latencyMs").GetInt32(), config.GetProperty("latencyJitterMs").GetInt32()));
        var clock = Stopwatch.StartNew();
        (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.InRange(clock.ElapsedMilliseconds, 390, 5000);

        emu.Server.UpdateConfig(c => { c.LatencyMs = 0; c.LatencyJitterMs = 0; });
        // Without latency a status answer on loopback takes milliseconds; 300 ms is a generous bound on a busy machine.
        clock.Restart();
        (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.InRange(clock.ElapsedMilliseconds, 0, 300);
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"latencyMs":-1}""")).StatusCode);
    }

    [Fact]
    public async Task Jitter_lets_later_requests_finish_first()
    {
        // Requests sent one after the other, 20 ms apart, with 0-400 ms of jitter: the emulator handles them out of order
        // (the order its jobs were created differs from the order they were sent).
        await using var emu = await TestEmulator.StartAsync(o => { o.LatencyJitterMs = 400; o.Seed = 3; });
        var sent = new List<Task<Reply>>();
        for (var i = 0; i < 12; i++)
        {
            sent.Add(emu.GenerateAsync(new { generationType = "text_to_video", prompt = "j" + i.ToString("00") }));
            await Task.Delay(20);
        }
        await Task.WhenAll(sent);
        var created = emu.Server.GetJobs().Select(j => j.Prompt).ToList();
        var inOrder = Enumerable.Range(0, 12).Select(i => "j" + i.ToString("00")).ToList();
        Assert.Equal(inOrder, created.OrderBy(p => p, StringComparer.Ordinal));
        Assert.NotEqual(inOrder, created);
    }

    [Fact]
    public void The_options_parse_and_refuse_negative_values()
    {
        var o = EmulatorOptions.Parse(["--latency-ms", "150", "--latency-jitter-ms=50"]);
        Assert.Equal((150, 50), (o.LatencyMs, o.LatencyJitterMs));
        Assert.Equal((0, 0), (EmulatorOptions.Parse([]).LatencyMs, EmulatorOptions.Parse([]).LatencyJitterMs));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--latency-ms", "-1"]));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--latency-jitter-ms", "-5"]));
    }
}
