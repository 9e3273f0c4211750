namespace Veo31.Emulator.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_match_the_documented_table()
    {
        var o = EmulatorOptions.Parse([]);
        Assert.Equal("http://127.0.0.1:0", o.Urls);
        Assert.Equal("http://127.0.0.1:0", o.CdnUrls);
        Assert.Equal(new[] { "veo-emulator-key" }, o.Keys);
        Assert.Equal(1000, o.Credits);
        Assert.Equal(3, o.JobSeconds);
        Assert.Equal(0, o.RateLimit);
        Assert.Equal((0, 0, 0), (o.RateLimitStatus, o.RateLimitGenerate, o.RateLimitUpload));
        Assert.Equal("exact", o.EstimatedTime);
        Assert.Equal("exact", o.Progress);
        Assert.Equal(1, o.RetryAfter);
        Assert.Equal(52_428_800, o.MaxUploadBytes);
        Assert.Equal(2000, o.MaxPromptLength);
        Assert.Equal(0, o.VideoBytes);
        Assert.False(o.ErrorsHttp200);
        Assert.Empty(o.Faults);
        Assert.Null(o.Seed);
    }

    [Fact]
    public void Every_option_is_parsed()
    {
        var o = EmulatorOptions.Parse([
            "--urls", "http://127.0.0.1:5000", "--cdn-urls", "http://localhost:5001", "--keys", "a, b,c",
            "--credits", "10", "--job-seconds", "0.25", "--rate-limit", "5", "--retry-after", "3",
            "--max-upload-bytes", "1024", "--max-prompt-length", "40", "--video-bytes", "5000000",
            "--errors-http200", "--faults", "generate-video:error5000:0.2;video-status:drop:0.3:4", "--seed", "42",
            "--rate-limit-status", "6", "--rate-limit-generate", "7", "--rate-limit-upload=8", "--estimated-time", "noisy", "--progress", "missing",
        ]);
        Assert.Equal("http://127.0.0.1:5000", o.Urls);
        Assert.Equal("http://localhost:5001", o.CdnUrls);
        Assert.Equal(new[] { "a", "b", "c" }, o.Keys);
        Assert.Equal(10, o.Credits);
        Assert.Equal(0.25, o.JobSeconds);
        Assert.Equal(5, o.RateLimit);
        Assert.Equal((6, 7, 8), (o.RateLimitStatus, o.RateLimitGenerate, o.RateLimitUpload));
        Assert.Equal("noisy", o.EstimatedTime);
        Assert.Equal("missing", o.Progress);
        Assert.Equal(3, o.RetryAfter);
        Assert.Equal(1024, o.MaxUploadBytes);
        Assert.Equal(40, o.MaxPromptLength);
        Assert.Equal(5_000_000, o.VideoBytes);
        Assert.True(o.ErrorsHttp200);
        Assert.Equal(42, o.Seed);
        Assert.Equal(2, o.Faults.Count);
        Assert.Equal(("generate-video", "error5000", 0.2, (int?)null), (o.Faults[0].Endpoint, o.Faults[0].Kind, o.Faults[0].Rate, o.Faults[0].Count));
        Assert.Equal(("video-status", "drop", 0.3, (int?)4), (o.Faults[1].Endpoint, o.Faults[1].Kind, o.Faults[1].Rate, o.Faults[1].Count));
    }

    [Fact]
    public void Equals_syntax_and_explicit_booleans_work()
    {
        var o = EmulatorOptions.Parse(["--credits=7", "--errors-http200", "false"]);
        Assert.Equal(7, o.Credits);
        Assert.False(o.ErrorsHttp200);
    }

    [Fact]
    public void Fault_values_may_contain_colons()
    {
        var rules = FaultRule.ParseList("video-status:badVideoUrl:1::file:///etc/passwd;*:delay:0.5:2:250;generate-video:rateLimit:1:1:9").ToList();
        Assert.Equal("file:///etc/passwd", rules[0].Value);
        Assert.Null(rules[0].Count);
        Assert.Equal((EmulatorEndpoints.Any, 2, 250), (rules[1].Endpoint, rules[1].Count, rules[1].DelayMs));
        Assert.Equal(9, rules[2].RetryAfter);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:0")]
    [InlineData("--urls", "http://192.168.1.10:8080")]
    [InlineData("--cdn-urls", "http://example.com:80")]
    [InlineData("--urls", "https://127.0.0.1:0")]
    [InlineData("--bogus", "1")]
    [InlineData("--credits", "many")]
    [InlineData("--faults", "generate-video:explode:1")]
    [InlineData("--faults", "nowhere:error5000:1")]
    [InlineData("--faults", "generate-video:error5000:1.5")]
    [InlineData("--rate-limit-status", "-1")]
    [InlineData("--rate-limit-generate", "-1")]
    [InlineData("--rate-limit-upload", "-1")]
    [InlineData("--estimated-time", "sometimes")]
    [InlineData("--progress", "noisy")]
    [InlineData("--faults", "generate-video:otherUuid:1")]
    public void Bad_options_are_refused(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse([name, value]));
    }

    [Fact]
    public async Task StartAsync_refuses_a_non_loopback_host()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Urls = "http://0.0.0.0:0" }));
    }
}
