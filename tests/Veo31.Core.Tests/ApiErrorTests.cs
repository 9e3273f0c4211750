using Veo31.Core.Errors;
using Veo31.Core.Validation;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

public class ApiErrorTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invalid_parameters_from_the_server_are_1000_and_not_retried(bool http200)
    {
        await using var h = await EmulatorHarness.StartAsync(e => { e.MaxPromptLength = 10; e.ErrorsHttp200 = http200; });
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("a prompt longer than ten"));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.Equal(1000, ex.ApiCode);
        Assert.Equal(http200 ? 200 : 400, ex.HttpStatus);
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        EmulatorHarness.AssertNoKey(ex);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Insufficient_credits_shows_required_and_current(bool http200)
    {
        await using var h = await EmulatorHarness.StartAsync(e => { e.Credits = 1; e.ErrorsHttp200 = http200; });
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync());
        Assert.Equal(VeoErrorKind.InsufficientCredits, ex.Kind);
        Assert.Equal(1001, ex.ApiCode);
        Assert.Equal(2, ex.RequiredCredits);
        Assert.Equal(1, ex.CurrentCredits);
        Assert.Contains("required 2", ex.Message);
        Assert.Contains("current 1", ex.Message);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrong_key_is_authentication_failed_without_retries_or_leaks(bool http200)
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.ErrorsHttp200 = http200, clientKey: "sk-wrong-key-0000");
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync("whatever", CancellationToken.None));
        Assert.Equal(VeoErrorKind.AuthenticationFailed, ex.Kind);
        Assert.Equal(1002, ex.ApiCode);
        Assert.Equal(1, ex.Attempts);
        Assert.DoesNotContain("sk-wrong-key-0000", ex.ToString());
    }

    [Fact]
    public async Task Unknown_uuid_is_invalid_parameters_with_404()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync("no-such-uuid", CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.Equal(404, ex.HttpStatus);
        Assert.Equal("no-such-uuid", ex.Uuid);
    }

    [Fact]
    public async Task Persistent_rate_limit_on_reads_is_retried_then_reported_with_retry_after()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => { o.MaxRetryCount = 0; o.MaxRateLimitedRetries = 2; });
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.RateLimit, retryAfter: 0);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.RateLimited, ex.Kind);
        Assert.Equal(1003, ex.ApiCode);
        Assert.Equal(429, ex.HttpStatus);
        Assert.Equal(3, ex.Attempts);
        Assert.Equal(3, h.Requests(EmulatorEndpoints.VideoStatus));
    }

    [Theory]
    [InlineData(FaultKinds.Error5000, 500)]
    [InlineData(FaultKinds.Error5000Http200, 200)]
    [InlineData(FaultKinds.Html502, 502)]
    [InlineData(FaultKinds.Empty503, 503)]
    public async Task Server_errors_on_reads_are_retried_and_then_succeed(string kind, int status)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, kind, count: 2);
        var seen = await h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None);
        Assert.Equal(job.Uuid, seen.Uuid);
        Assert.Equal(3, h.Requests(EmulatorEndpoints.VideoStatus));
        _ = status;
    }

    [Theory]
    [InlineData(FaultKinds.Error5000, 500, 5000)]
    [InlineData(FaultKinds.Html502, 502, null)]
    [InlineData(FaultKinds.Empty503, 503, null)]
    public async Task Server_errors_on_reads_end_as_server_error_after_all_retries(string kind, int status, int? code)
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => o.MaxRetryCount = 2);
        var job = await h.GenerateAsync();
        h.Fault(EmulatorEndpoints.VideoStatus, kind);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.GetVideoStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.ServerError, ex.Kind);
        Assert.Equal(status, ex.HttpStatus);
        Assert.Equal(code, ex.ApiCode);
        Assert.Equal(3, ex.Attempts);
    }

    [Fact]
    public async Task Uploads_are_retried_with_the_file_reopened()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string path = Path.Combine(h.TempDir, "img.webp");
        var bytes = new byte[100_000];
        RequestRuleTests.WebP.CopyTo(bytes, 0);
        await File.WriteAllBytesAsync(path, bytes);
        h.Fault(EmulatorEndpoints.UploadVideoImage, FaultKinds.Drop, count: 1);
        h.Fault(EmulatorEndpoints.UploadVideoImage, FaultKinds.Error5000, count: 1);

        var image = await h.Client.UploadImageAsync(path, null, CancellationToken.None);
        Assert.Equal(ImageFormat.WebP, image.Format);
        Assert.Equal(3, h.Requests(EmulatorEndpoints.UploadVideoImage));
    }

    [Fact]
    public async Task Local_image_checks_happen_before_any_request()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => o.MaxImageBytes = 1000);
        string gif = Path.Combine(h.TempDir, "a.png");
        await File.WriteAllBytesAsync(gif, "GIF89a-not-supported"u8.ToArray());
        string big = Path.Combine(h.TempDir, "b.png");
        var bytes = new byte[1001];
        RequestRuleTests.Png.CopyTo(bytes, 0);
        await File.WriteAllBytesAsync(big, bytes);

        Assert.Equal(VeoErrorKind.ImageFormatNotSupported, (await Assert.ThrowsAsync<VeoException>(() => h.Client.UploadImageAsync(gif, null, default))).Kind);
        Assert.Equal(VeoErrorKind.ImageTooLarge, (await Assert.ThrowsAsync<VeoException>(() => h.Client.UploadImageAsync(big, null, default))).Kind);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.UploadVideoImage));
    }

    [Fact]
    public async Task Upload_over_the_server_limit_is_invalid_parameters_413()
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.MaxUploadBytes = 1000);
        string path = Path.Combine(h.TempDir, "big.png");
        var bytes = new byte[5000];
        RequestRuleTests.Png.CopyTo(bytes, 0);
        await File.WriteAllBytesAsync(path, bytes);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.Client.UploadImageAsync(path, null, default));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.Equal(413, ex.HttpStatus);
    }

    [Fact]
    public async Task Local_prompt_checks_happen_before_any_request()
    {
        await using var h = await EmulatorHarness.StartAsync(client: o => o.MaxPromptLength = 5);
        var ex = await Assert.ThrowsAsync<VeoException>(() => h.GenerateAsync("too long"));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        Assert.Contains("5 characters", ex.Message);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo));
    }
}
