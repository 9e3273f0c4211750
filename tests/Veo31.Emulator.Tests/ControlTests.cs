using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

public class ControlTests
{
    [Fact]
    public async Task Jobs_lists_every_job_with_a_key_fingerprint_not_the_key()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var a = await emu.NewJobAsync("first");
        var b = await emu.NewJobAsync("second [seconds=0]");
        var jobs = (await emu.ControlGetAsync("jobs")).EnumerateArray().ToList();
        Assert.Equal(new[] { a, b }, jobs.Select(j => j.GetProperty("uuid").GetString()));
        Assert.Equal(new[] { "pending", "completed" }, jobs.Select(j => j.GetProperty("status").GetString()));
        Assert.Equal("first", jobs[0].GetProperty("prompt").GetString());
        Assert.True(jobs[0].TryGetProperty("createdAt", out _));
        var fingerprint = jobs[0].GetProperty("keyFingerprint").GetString()!;
        Assert.NotEmpty(fingerprint);
        Assert.DoesNotContain(emu.Server.ApiKey, fingerprint);
        Assert.DoesNotContain(emu.Server.ApiKey, jobs[0].GetRawText());
    }

    [Fact]
    public async Task Keys_adds_a_key_or_sets_its_credits()
    {
        await using var emu = await TestEmulator.StartAsync();
        var added = await emu.ControlPostAsync("keys", """{"key":"new-key","credits":2}""");
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "new-key")).AssertEnvelope(0, HttpStatusCode.OK);
        var broke = await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "new-key");
        broke.AssertEnvelope(1001, HttpStatusCode.PaymentRequired);
        Assert.Equal(0, broke.Data.GetProperty("current").GetInt32());

        await emu.ControlPostAsync("keys", $$"""{"key":"{{emu.Server.ApiKey}}","credits":0}""");
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(1001, HttpStatusCode.PaymentRequired);

        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("keys", """{"credits":3}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("keys", "nope")).StatusCode);
    }

    [Fact]
    public async Task Config_patches_only_the_given_settings()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.MaxPromptLength = 100);
        var response = await emu.ControlPostAsync("config", """{"errorsHttp200":true,"maxPromptLength":5,"rateLimit":50,"retryAfter":2,"videoBytes":20000,"maxUploadBytes":10,"jobSeconds":0.1}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(config.GetProperty("errorsHttp200").GetBoolean());
        Assert.Equal(5, config.GetProperty("maxPromptLength").GetInt32());

        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "too long" })).AssertEnvelope(1000, HttpStatusCode.OK);
        (await emu.UploadAsync(TestEmulator.Png(11))).AssertEnvelope(1000, HttpStatusCode.OK);
        var uuid = (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "ok" })).Data.GetProperty("uuid").GetString()!;
        await emu.WaitForEndAsync(uuid);
        Assert.Equal(20000, (await emu.Http.GetByteArrayAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4")).Length);

        var partial = await emu.ControlPostAsync("config", """{"errorsHttp200":false}""");
        var after = JsonDocument.Parse(await partial.Content.ReadAsStringAsync()).RootElement;
        Assert.False(after.GetProperty("errorsHttp200").GetBoolean());
        Assert.Equal(5, after.GetProperty("maxPromptLength").GetInt32());
        Assert.Equal(5, (await emu.ControlGetAsync("config")).GetProperty("maxPromptLength").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"jobSeconds":-1}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("config", """{"rateLimit":"lots"}""")).StatusCode);
    }

    [Fact]
    public async Task Faults_can_be_listed_added_and_cleared_over_http()
    {
        await using var emu = await TestEmulator.StartAsync();
        var added = await emu.ControlPostAsync("faults", """{"endpoint":"generate-video","kind":"error5000","rate":1.0,"count":1,"delayMs":0,"retryAfter":1,"value":null}""");
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var more = await emu.ControlPostAsync("faults", """[{"endpoint":"video-status","kind":"delay","delayMs":10},{"endpoint":"cdn-video","kind":"truncate"}]""");
        Assert.Equal(HttpStatusCode.OK, more.StatusCode);

        var list = (await emu.ControlGetAsync("faults")).EnumerateArray().ToList();
        Assert.Equal(new[] { "error5000", "delay", "truncate" }, list.Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal(1, list[0].GetProperty("count").GetInt32());

        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(5000, HttpStatusCode.InternalServerError);
        Assert.Equal(1, (await emu.ControlGetAsync("faults"))[0].GetProperty("hits").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("faults", """{"endpoint":"video-status","kind":"explode"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await emu.ControlPostAsync("faults", """{"endpoint":"nowhere","kind":"drop"}""")).StatusCode);
        Assert.Equal(3, emu.Server.GetFaults().Count);

        var cleared = await emu.Http.DeleteAsync(emu.Control + "/faults");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Empty(emu.Server.GetFaults());
    }

    [Fact]
    public async Task Videos_gives_length_and_sha256_or_404()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.VideoBytes = 123_456);
        var uuid = await emu.NewJobAsync();
        var info = await emu.ControlGetAsync("videos/" + uuid);
        Assert.Equal(123_456, info.GetProperty("length").GetInt64());
        Assert.Matches("^[0-9a-f]{64}$", info.GetProperty("sha256").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync(emu.Control + "/videos/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emu.Http.GetAsync(emu.Control + "/nothing")).StatusCode);
    }

    [Fact]
    public async Task Control_endpoints_need_no_key_and_count_no_api_requests()
    {
        await using var emu = await TestEmulator.StartAsync();
        await emu.ControlGetAsync("stats");
        await emu.ControlGetAsync("jobs");
        Assert.All(emu.Server.GetStats().Requests.Values, n => Assert.Equal(0, n));
    }
}
