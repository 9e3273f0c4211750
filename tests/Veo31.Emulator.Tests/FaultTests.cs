using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

public class FaultTests
{
    private static async Task<(TestEmulator Emu, string Uuid)> StartWithJobAsync(Action<EmulatorOptions>? configure = null)
    {
        var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 60; configure?.Invoke(o); });
        return (emu, await emu.NewJobAsync());
    }

    [Fact]
    public async Task Error5000_is_http_500_with_code_5000()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Error5000, Count = 1 });
        (await emu.StatusAsync(uuid)).AssertEnvelope(5000, HttpStatusCode.InternalServerError);
        (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Error5000http200_is_http_200_with_code_5000_and_nothing_done()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "generate-video", Kind = FaultKinds.Error5000Http200 });
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(5000, HttpStatusCode.OK);
        Assert.Equal(0, emu.Server.GetStats().Generations);
        Assert.Equal(1000, emu.Server.GetCredits(emu.Server.ApiKey));
    }

    [Fact]
    public async Task RateLimit_fault_is_429_with_its_Retry_After()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.RateLimit, RetryAfter = 4 });
        var reply = (await emu.StatusAsync(uuid)).AssertEnvelope(1003, HttpStatusCode.TooManyRequests);
        Assert.Equal("4", reply.Message.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Html502_is_an_html_page()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Html502 });
        var reply = await emu.StatusAsync(uuid);
        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
        Assert.Equal("text/html", reply.Message.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html>", reply.Body);
    }

    [Fact]
    public async Task Empty503_has_no_body()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Empty503 });
        var reply = await emu.StatusAsync(uuid);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("", reply.Body);
    }

    [Fact]
    public async Task Drop_aborts_before_the_request_is_acted_on()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "generate-video", Kind = FaultKinds.Drop, Count = 1 });
        await Assert.ThrowsAsync<HttpRequestException>(() => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }));
        var stats = emu.Server.GetStats();
        Assert.Equal(0, stats.Generations);
        Assert.Equal(1, stats.Requests["generate-video"]);
        Assert.Equal(1000, emu.Server.GetCredits(emu.Server.ApiKey));
    }

    [Fact]
    public async Task DropAfter_charges_then_aborts_so_a_blind_retry_is_a_duplicate_charge()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "generate-video", Kind = FaultKinds.DropAfter, Count = 1 });
        var body = new { generationType = "text_to_video", prompt = "charged twice" };
        await Assert.ThrowsAsync<HttpRequestException>(() => emu.GenerateAsync(body));
        Assert.Equal(1, emu.Server.GetStats().Generations);
        Assert.Equal(998, emu.Server.GetCredits(emu.Server.ApiKey));

        (await emu.GenerateAsync(body)).AssertEnvelope(0, HttpStatusCode.OK);
        var stats = emu.Server.GetStats();
        Assert.Equal(2, stats.Generations);
        Assert.Equal(4, stats.CreditsCharged);
        Assert.Equal(1, stats.DuplicateCharges);
    }

    [Fact]
    public async Task Delay_waits_then_answers_normally()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Delay, DelayMs = 400 });
        var clock = Stopwatch.StartNew();
        (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
        Assert.True(clock.ElapsedMilliseconds >= 380, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_long_delay_does_not_hold_up_disposal()
    {
        var (emu, uuid) = await StartWithJobAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Delay, DelayMs = 30_000 });
        var pending = emu.StatusAsync(uuid);
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();
        await emu.Server.DisposeAsync(); // the client stays connected: the server must end the wait itself
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"dispose took {clock.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
        await emu.DisposeAsync();
    }

    [Theory]
    [InlineData("generate-video")]
    [InlineData("video-status")]
    [InlineData("upload-video-image")]
    public async Task MalformedJson_and_truncatedJson_are_200_bodies_that_do_not_parse(string endpoint)
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        foreach (var kind in new[] { FaultKinds.MalformedJson, FaultKinds.TruncatedJson })
        {
            emu.Server.ClearFaults();
            emu.Server.AddFault(new FaultRule { Endpoint = endpoint, Kind = kind });
            var reply = await CallAsync(emu, endpoint, uuid);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.NotEmpty(reply.Body);
            Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(reply.Body));
            if (kind == FaultKinds.TruncatedJson) Assert.StartsWith("{\"code\":0,", reply.Body);
        }
        Assert.Equal(1, emu.Server.GetStats().Generations); // only the setup job
    }

    [Fact]
    public async Task WrongTypes_sends_strings_and_numbers_where_the_other_is_expected()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "*", Kind = FaultKinds.WrongTypes });
        var status = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal(JsonValueKind.Number, status.GetProperty("uuid").ValueKind);
        Assert.Equal("85", status.GetProperty("progress").GetString());
        var generated = (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal(123, generated.GetProperty("uuid").GetInt32());
        var uploaded = (await emu.UploadAsync(TestEmulator.Png())).AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal(JsonValueKind.Number, uploaded.GetProperty("imageUrl").ValueKind);
    }

    [Fact]
    public async Task MissingData_has_code_0_and_no_data()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.MissingData });
        var reply = await emu.StatusAsync(uuid);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(0, reply.Code);
        Assert.False(reply.Json.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task HugeBody_streams_64_MB_of_json()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.HugeBody });
        using var response = await emu.Http.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(64L * 1024 * 1024, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        var first = new byte[16];
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            if (total == 0) Array.Copy(buffer, first, Math.Min(16, read));
            total += read;
        }
        Assert.Equal(64L * 1024 * 1024, total);
        Assert.StartsWith("{\"code\":0", System.Text.Encoding.ASCII.GetString(first));
    }

    [Fact]
    public async Task SlowBody_sends_headers_then_a_byte_a_second_until_the_client_leaves()
    {
        var (emu, uuid) = await StartWithJobAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.SlowBody });
        var disposed = false;
        try
        {
        using (var response = await emu.Http.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var clock = Stopwatch.StartNew();
            var buffer = new byte[16];
            var got = new List<byte>();
            while (got.Count < 2)
            {
                var read = await body.ReadAsync(buffer);
                Assert.True(read > 0);
                got.AddRange(buffer[..read]);
            }
            Assert.Equal((byte)'{', got[0]);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 3);
        }
        var disposing = Stopwatch.StartNew();
        disposed = true;
        await emu.DisposeAsync();
        Assert.True(disposing.Elapsed < TimeSpan.FromSeconds(1.5), $"dispose took {disposing.Elapsed}");
        }
        finally
        {
            if (!disposed) await emu.DisposeAsync();
        }
    }

    [Fact]
    public async Task BadVideoUrl_replaces_the_url_of_a_completed_status_only()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.BadVideoUrl, Value = "file:///etc/passwd", Count = 1 });
        var pending = await emu.NewJobAsync("slow");
        Assert.False((await emu.StatusAsync(pending)).Data.TryGetProperty("videoUrl", out _));
        var done = await emu.NewJobAsync("fast [seconds=0]");
        Assert.Equal("file:///etc/passwd", (await emu.StatusAsync(done)).Data.GetProperty("videoUrl").GetString());
        Assert.StartsWith("http://127.0.0.1:", (await emu.StatusAsync(done)).Data.GetProperty("videoUrl").GetString());
    }

    [Fact]
    public async Task OtherUuid_answers_a_valid_status_for_a_made_up_uuid()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.OtherUuid, Count = 2 });
        var first = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data;
        var second = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data;
        foreach (var data in new[] { first, second })
        {
            var shown = data.GetProperty("uuid").GetString()!;
            Assert.True(Guid.TryParse(shown, out _), shown);
            Assert.False(string.Equals(uuid, shown, StringComparison.OrdinalIgnoreCase), "the answer must name another job");
            Assert.Equal("pending", data.GetProperty("status").GetString());
            Assert.Equal("a red fox in the snow", data.GetProperty("prompt").GetString());
        }
        Assert.NotEqual(first.GetProperty("uuid").GetString(), second.GetProperty("uuid").GetString());
        Assert.Equal(uuid, (await emu.StatusAsync(uuid)).Data.GetProperty("uuid").GetString());
        Assert.Equal(2, emu.Server.GetFaults().Single().Hits);
    }

    [Fact]
    public async Task OtherUuid_with_a_value_answers_for_that_uuid()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        var other = await emu.NewJobAsync("another job of the same client");
        emu.Server.AddFault(FaultRule.Parse("video-status:otherUuid:1:1:" + other));
        Assert.Equal(other, (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data.GetProperty("uuid").GetString());
    }

    [Fact]
    public async Task UpperCaseUuid_answers_the_asked_uuid_in_upper_case()
    {
        var (emu, uuid) = await StartWithJobAsync(o => o.Faults = FaultRule.ParseList("video-status:upperCaseUuid:1:1").ToList());
        await using var owned = emu;
        var data = (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data;
        Assert.Equal(uuid.ToUpperInvariant(), data.GetProperty("uuid").GetString());
        Assert.NotEqual(uuid, data.GetProperty("uuid").GetString()); // a GUID has letters a-f
        Assert.Equal("pending", data.GetProperty("status").GetString());
        Assert.Equal(uuid, (await emu.StatusAsync(uuid)).Data.GetProperty("uuid").GetString());
    }

    [Fact]
    public async Task NoVideoUrl_removes_the_url_of_a_completed_status_only()
    {
        await using var emu = await TestEmulator.StartAsync(o => o.JobSeconds = 60);
        var response = await emu.ControlPostAsync("faults", """{"endpoint":"video-status","kind":"noVideoUrl","count":2}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pending = await emu.NewJobAsync("slow");
        Assert.False((await emu.StatusAsync(pending)).Data.TryGetProperty("videoUrl", out _));
        Assert.Equal(0, emu.Server.GetFaults().Single().Hits); // pending polls do not use the count up

        var done = await emu.NewJobAsync("fast [seconds=0]");
        for (var i = 0; i < 2; i++)
        {
            var data = (await emu.StatusAsync(done)).AssertEnvelope(0, HttpStatusCode.OK).Data;
            Assert.Equal("completed", data.GetProperty("status").GetString());
            Assert.Equal(100, data.GetProperty("progress").GetInt32());
            Assert.False(data.TryGetProperty("videoUrl", out _));
        }
        Assert.StartsWith("http://127.0.0.1:", (await emu.StatusAsync(done)).Data.GetProperty("videoUrl").GetString());
    }

    [Theory]
    [InlineData("generate-video:otherUuid:1")]
    [InlineData("cdn-video:noVideoUrl:1")]
    [InlineData("upload-video-image:upperCaseUuid:1")]
    public void Status_answer_faults_are_refused_on_other_endpoints(string rule)
    {
        Assert.Throws<ArgumentException>(() => FaultRule.Parse(rule));
    }

    [Fact]
    public async Task Status_answer_faults_on_the_star_endpoint_leave_other_endpoints_alone()
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 0; o.Faults = FaultRule.ParseList("*:otherUuid:1;*:noVideoUrl:1").ToList(); });
        var uuid = await emu.NewJobAsync(); // generate is not hit
        var imageUrl = (await emu.UploadAsync(TestEmulator.Png())).AssertEnvelope(0, HttpStatusCode.OK).Data.GetProperty("imageUrl").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await emu.Http.GetAsync(imageUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emu.Http.GetAsync($"{emu.Server.CdnBaseUri}videos/{uuid}.mp4")).StatusCode);
        var data = (await emu.StatusAsync(uuid)).Data;
        Assert.NotEqual(uuid, data.GetProperty("uuid").GetString()); // one fault per request: the first rule
        Assert.True(data.TryGetProperty("videoUrl", out _));
        Assert.Equal((1, 0), (emu.Server.GetFaults()[0].Hits, emu.Server.GetFaults()[1].Hits));
    }

    [Fact]
    public async Task Redirect_is_a_302_to_the_value()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Redirect, Value = "http://127.0.0.1:9/elsewhere" });
        var reply = await emu.StatusAsync(uuid);
        Assert.Equal(HttpStatusCode.Found, reply.Status);
        Assert.Equal("http://127.0.0.1:9/elsewhere", reply.Message.Headers.Location?.ToString());
    }

    [Fact]
    public async Task A_redirect_followed_by_HttpClient_to_the_cdn_is_recorded_there_without_the_key()
    {
        var (emu, uuid) = await StartWithJobAsync();
        await using var owned = emu;
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Redirect, Count = 1 });
        using var following = new HttpClient();
        var reply = await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), following);
        Assert.Equal(HttpStatusCode.NotFound, reply.Status); // the default target is the same path on the CDN origin
        Assert.Empty(emu.Server.GetStats().CdnAuthorizationHeaders); // .NET drops Authorization on redirects
    }

    [Fact]
    public async Task Truncate_on_the_cdn_sends_the_full_length_then_aborts_after_half()
    {
        await using var emu = await TestEmulator.StartAsync(o => { o.JobSeconds = 0; o.VideoBytes = 1_000_000; });
        var uuid = await emu.NewJobAsync();
        var url = (await emu.StatusAsync(uuid)).Data.GetProperty("videoUrl").GetString()!;
        emu.Server.AddFault(new FaultRule { Endpoint = "cdn-video", Kind = FaultKinds.Truncate, Count = 1 });

        using var response = await emu.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(1_000_000, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 16];
        long total = 0;
        var failed = false;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0) total += read;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            failed = true;
        }
        Assert.True(failed, "reading a truncated body must fail");
        Assert.InRange(total, 1, 500_000);
        Assert.Equal(1_000_000, (await emu.Http.GetByteArrayAsync(url)).Length); // count 1: the next download is whole
    }

    [Fact]
    public async Task Faults_on_the_cdn_image_endpoint_and_the_star_endpoint_apply()
    {
        await using var emu = await TestEmulator.StartAsync();
        var imageUrl = (await emu.UploadAsync(TestEmulator.Png())).Data.GetProperty("imageUrl").GetString()!;
        emu.Server.AddFault(new FaultRule { Endpoint = "cdn-image", Kind = FaultKinds.Empty503, Count = 1 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await emu.Http.GetAsync(imageUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emu.Http.GetAsync(imageUrl)).StatusCode);

        emu.Server.AddFault(new FaultRule { Endpoint = "*", Kind = FaultKinds.Error5000, Count = 2 });
        Assert.Equal(HttpStatusCode.InternalServerError, (await emu.Http.GetAsync(imageUrl)).StatusCode);
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(5000, HttpStatusCode.InternalServerError);
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" })).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Rate_and_count_decide_which_requests_are_hit_and_a_seed_makes_it_reproducible()
    {
        async Task<string> Pattern(int seed)
        {
            var (emu, uuid) = await StartWithJobAsync(o => { o.Seed = seed; o.Faults = FaultRule.ParseList("video-status:error5000:0.5:8").ToList(); });
            await using var owned = emu;
            var pattern = "";
            for (var i = 0; i < 40; i++) pattern += (await emu.StatusAsync(uuid)).Status == HttpStatusCode.OK ? "." : "X";
            Assert.Equal(8, emu.Server.GetFaults().Single().Hits);
            return pattern;
        }

        var a = await Pattern(1234);
        var b = await Pattern(1234);
        Assert.Equal(a, b);
        Assert.Equal(8, a.Count(c => c == 'X'));
        Assert.Contains('.', a[..a.LastIndexOf('X')]); // rate 0.5: not every request before the last hit is hit
    }

    [Fact]
    public async Task Rate_zero_never_hits()
    {
        var (emu, uuid) = await StartWithJobAsync(o => o.Faults = [new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Drop, Rate = 0 }]);
        await using var owned = emu;
        for (var i = 0; i < 10; i++) (await emu.StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Faults_from_the_command_line_apply_from_the_start()
    {
        var options = EmulatorOptions.Parse(["--faults", "generate-video:error5000:1:1", "--job-seconds", "1"]);
        await using var server = await EmulatorServer.StartAsync(options);
        using var http = new HttpClient();
        HttpRequestMessage Request() => new(HttpMethod.Post, server.ApiBaseUri + "/generate-video")
        {
            Headers = { Authorization = new("Bearer", server.ApiKey) },
            Content = new StringContent("""{"generationType":"text_to_video","prompt":"p"}"""),
        };
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.SendAsync(Request())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request())).StatusCode);
    }

    private static Task<Reply> CallAsync(TestEmulator emu, string endpoint, string uuid) => endpoint switch
    {
        "generate-video" => emu.GenerateAsync(new { generationType = "text_to_video", prompt = "p" }),
        "video-status" => emu.StatusAsync(uuid),
        _ => emu.UploadAsync(TestEmulator.Png()),
    };
}
