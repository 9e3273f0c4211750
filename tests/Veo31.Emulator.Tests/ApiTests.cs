using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Veo31.Emulator.Tests;

public class ApiTests
{
    [Fact]
    public async Task Generate_returns_the_documented_success_envelope_and_charges_two_credits()
    {
        await using var emu = await TestEmulator.StartAsync();
        var reply = await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "Your video description", aspectRatio = "16:9" });

        var data = reply.AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal("Success", reply.Json.GetProperty("msg").GetString());
        Assert.Equal(new[] { "uuid", "status", "generationType", "prompt", "aspectRatio", "createdAt" }, data.EnumerateObject().Select(p => p.Name));
        Assert.True(Guid.TryParse(data.GetProperty("uuid").GetString(), out _));
        Assert.Equal("pending", data.GetProperty("status").GetString());
        Assert.Equal("text_to_video", data.GetProperty("generationType").GetString());
        Assert.Equal("Your video description", data.GetProperty("prompt").GetString());
        Assert.Equal("16:9", data.GetProperty("aspectRatio").GetString());
        var createdAt = data.GetProperty("createdAt").GetString()!;
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"), createdAt);
        Assert.InRange(DateTime.Parse(createdAt, null, System.Globalization.DateTimeStyles.RoundtripKind), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(998, emu.Server.GetCredits(emu.Server.ApiKey));
    }

    [Fact]
    public async Task AspectRatio_defaults_to_auto()
    {
        await using var emu = await TestEmulator.StartAsync();
        var reply = await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" });
        Assert.Equal("auto", reply.AssertEnvelope(0, HttpStatusCode.OK).Data.GetProperty("aspectRatio").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Missing_or_unknown_key_gives_1002_on_every_endpoint(bool errorsHttp200)
    {
        await using var emu = await TestEmulator.StartAsync(o => o.ErrorsHttp200 = errorsHttp200);
        var expected = errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
        var uuid = await emu.NewJobAsync();
        foreach (var key in new string?[] { null, "wrong-key" })
        {
            (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, key)).AssertEnvelope(1002, expected);
            (await emu.StatusAsync(uuid, key)).AssertEnvelope(1002, expected);
            (await emu.UploadAsync(TestEmulator.Png(), key: key)).AssertEnvelope(1002, expected);
        }
        var basic = emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid, key: null);
        basic.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", emu.Server.ApiKey);
        var reply = (await emu.SendAsync(basic)).AssertEnvelope(1002, expected);
        Assert.Equal(JsonValueKind.Null, reply.Data.ValueKind);
        Assert.Equal(1, emu.Server.GetStats().Generations);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fewer_than_two_credits_gives_1001_with_required_and_current(bool errorsHttp200)
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.Credits = 5; o.ErrorsHttp200 = errorsHttp200; });
        await emu.NewJobAsync("one");
        await emu.NewJobAsync("two");
        var reply = await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "three" });

        reply.AssertEnvelope(1001, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.PaymentRequired);
        Assert.Equal("Insufficient credits", reply.Json.GetProperty("msg").GetString());
        Assert.Equal(2, reply.Data.GetProperty("required").GetInt32());
        Assert.Equal(1, reply.Data.GetProperty("current").GetInt32());
        Assert.Equal(4, emu.Server.GetStats().CreditsCharged);
        Assert.Equal(2, emu.Server.GetJobs().Count);
    }

    [Fact]
    public async Task Credits_are_per_key()
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.Keys = ["a", "b"]; o.Credits = 2; });
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "a")).AssertEnvelope(0, HttpStatusCode.OK);
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "a")).AssertEnvelope(1001, HttpStatusCode.PaymentRequired);
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }, "b")).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.Equal(0, emu.Server.GetCredits("a"));
        Assert.Equal(0, emu.Server.GetCredits("b"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_gives_1003_with_429_and_Retry_After_per_key(bool errorsHttp200)
    {
        await using var emu = await TestEmulator.StartAsync(o =>
        {
            o.RateLimit = 3;
            o.RetryAfter = 7;
            o.Keys = ["a", "b"];
            o.ErrorsHttp200 = errorsHttp200;
        });
        var uuid = await emu.NewJobAsync(); // counts against key a's window too
        await Task.Delay(1100);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => emu.StatusAsync(uuid, "a")));
        var windowsTouched = (int)clock.Elapsed.TotalSeconds + 2; // a burst of t seconds spans at most floor(t)+2 fixed windows
        var limited = replies.Where(r => r.Body.Contains("\"code\":1003")).ToList();
        var passed = replies.Length - limited.Count;
        Assert.InRange(passed, 3, 3 * windowsTouched);
        Assert.All(replies.Except(limited), r => r.AssertEnvelope(0, HttpStatusCode.OK));
        foreach (var r in limited)
        {
            r.AssertEnvelope(1003, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests);
            Assert.Equal("7", r.Message.Headers.GetValues("Retry-After").Single());
            Assert.Equal(JsonValueKind.Null, r.Data.ValueKind);
        }
        (await emu.StatusAsync(uuid, "b")).AssertEnvelope(0, HttpStatusCode.OK);
        await Task.Delay(1100);
        (await emu.StatusAsync(uuid, "a")).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unknown_uuid_gives_1000_with_404(bool errorsHttp200)
    {
        await using var emu = await TestEmulator.StartAsync(o => o.ErrorsHttp200 = errorsHttp200);
        var reply = (await emu.StatusAsync("no-such-job")).AssertEnvelope(1000, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        Assert.Equal(JsonValueKind.Null, reply.Data.ValueKind);
    }

    [Fact]
    public async Task Unknown_api_path_is_a_404_envelope()
    {
        await using var emu = await TestEmulator.StartAsync();
        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "generate-video"))).AssertEnvelope(1000, HttpStatusCode.NotFound);
        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "nothing-here"))).AssertEnvelope(1000, HttpStatusCode.NotFound);
    }
}

/// <summary>Every 1000 case of /generate-video, on a shared pair of servers (validation changes no state).</summary>
public class GenerateValidationTests : IAsyncLifetime
{
    private TestEmulator _normal = null!;
    private TestEmulator _http200 = null!;
    private string _imageUrl = "";
    private string _imageKey = "";

    public async Task InitializeAsync()
    {
        _normal = await TestEmulator.StartAsync(o => o.MaxPromptLength = 50);
        _http200 = await TestEmulator.StartAsync(o => { o.MaxPromptLength = 50; o.ErrorsHttp200 = true; });
        var upload = (await _normal.UploadAsync(TestEmulator.Png())).AssertEnvelope(0, HttpStatusCode.OK).Data;
        _imageUrl = upload.GetProperty("imageUrl").GetString()!;
        _imageKey = upload.GetProperty("imageKey").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await _normal.DisposeAsync();
        await _http200.DisposeAsync();
    }

    public static TheoryData<string, bool> InvalidBodies()
    {
        var data = new TheoryData<string, bool>();
        string[] bodies =
        [
            "not json",
            "[1,2]",
            """{"prompt":"p"}""",
            """{"generationType":"video","prompt":"p"}""",
            """{"generationType":"text_to_video"}""",
            """{"generationType":"text_to_video","prompt":""}""",
            """{"generationType":"text_to_video","prompt":"   "}""",
            """{"generationType":"text_to_video","prompt":42}""",
            """{"generationType":"text_to_video","prompt":"PROMPT_51"}""",
            """{"generationType":"text_to_video","prompt":"p","aspectRatio":"4:3"}""",
            """{"generationType":"image_to_video","prompt":"p"}""",
            """{"generationType":"image_to_video","prompt":"p","imageUrl":"https://elsewhere.example/x.png"}""",
            """{"generationType":"image_to_video","prompt":"p","imageUrl":"IMAGE_URL","imageKey":"img-unknown.png"}""",
            """{"generationType":"text_to_video","prompt":"p","imageKey":"img-unknown.png"}""",
        ];
        foreach (var body in bodies)
        {
            data.Add(body, false);
            data.Add(body, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_generation_requests_give_1000(string body, bool errorsHttp200)
    {
        var emu = errorsHttp200 ? _http200 : _normal;
        body = body.Replace("PROMPT_51", new string('x', 51)).Replace("IMAGE_URL", _imageUrl);
        var before = emu.Server.GetStats().Generations;
        var reply = await emu.GenerateRawAsync(body);
        reply.AssertEnvelope(1000, errorsHttp200 ? HttpStatusCode.OK : HttpStatusCode.BadRequest);
        Assert.StartsWith("Invalid parameters", reply.Json.GetProperty("msg").GetString());
        Assert.Equal(JsonValueKind.Null, reply.Data.ValueKind);
        Assert.Equal(before, emu.Server.GetStats().Generations);
    }

    [Fact]
    public async Task A_prompt_at_the_length_limit_is_accepted()
    {
        (await _normal.GenerateAsync(new { generationType = "text_to_video", prompt = new string('x', 50) })).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Image_to_video_accepts_an_uploaded_image_by_url_and_key()
    {
        var reply = await _normal.GenerateAsync(new { generationType = "image_to_video", prompt = "p", imageUrl = _imageUrl, imageKey = _imageKey, aspectRatio = "9:16" });
        var data = reply.AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal("image_to_video", data.GetProperty("generationType").GetString());
        Assert.Equal("9:16", data.GetProperty("aspectRatio").GetString());
    }
}
