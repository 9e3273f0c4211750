using System.Management.Automation;
using Veo31.Emulator;
using Xunit;

namespace Veo31.PowerShell.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class ErrorTests : IDisposable
{
    private readonly EmulatorFixture _emulator;
    private readonly VeoShell _shell = new VeoShell();

    public ErrorTests(EmulatorFixture emulator)
    {
        _emulator = emulator;
        _emulator.Server.ClearFaults();
        _shell.Connect(_emulator.Server);
    }

    public void Dispose()
    {
        _emulator.Server.ClearFaults();
        _shell.Dispose();
    }

    private string NewVideoUuid()
    {
        var result = _shell.Run("(New-VeoVideo -Prompt 'a video for error tests').Uuid");
        result.ThrowIfFailed();
        return result.Output.Single().ToString();
    }

    private ErrorRecord StatusError(string uuid)
    {
        _shell.SetVariable("uuid", uuid);
        var result = _shell.Run("Get-VeoVideoStatus -Uuid $uuid");
        Assert.Empty(result.Output);
        return result.SingleError();
    }

    [Fact]
    public void Code_1000_is_InvalidParameters_with_the_item_as_target()
    {
        var result = _shell.Run("New-VeoVideo -Prompt 'unknown image' -ImageUrl 'http://127.0.0.1:1/images/none' -ImageKey 'no-such-key'");

        ErrorRecord record = result.SingleError();
        var exception = VeoAssert.Error(record, "InvalidParameters", ErrorCategory.InvalidArgument);
        Assert.Equal(1000, exception.Code);
        Assert.Equal("unknown image", record.TargetObject);
    }

    [Fact]
    public void Code_1001_is_InsufficientCredits_with_required_and_current()
    {
        _emulator.Server.SetCredits("poor-key", 1);
        _shell.Connect(_emulator.Server, "poor-key");

        ErrorRecord record = _shell.Run("New-VeoVideo -Prompt 'costs two'").SingleError();

        var exception = VeoAssert.Error(record, "InsufficientCredits", ErrorCategory.QuotaExceeded);
        Assert.Equal(1001, exception.Code);
        Assert.Equal(2, exception.RequiredCredits);
        Assert.Equal(1, exception.CurrentCredits);
        Assert.Contains("required 2", exception.Message);
    }

    [Fact]
    public void Code_1002_is_a_terminating_AuthenticationFailed()
    {
        _shell.Connect(_emulator.Server, "not-a-real-key");

        var result = _shell.Run("try { 'a', 'b' | New-VeoVideo; 'not terminated' } catch { $_ }");

        var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        var exception = VeoAssert.Error(record, "AuthenticationFailed", ErrorCategory.AuthenticationError);
        Assert.Equal(1002, exception.Code);
        Assert.Equal(401, exception.HttpStatus);
    }

    [Fact]
    public void Code_1003_is_RateLimited_with_the_Retry_After()
    {
        string uuid = NewVideoUuid();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = "rateLimit", RetryAfter = 2 });

        var exception = VeoAssert.Error(StatusError(uuid), "RateLimited", ErrorCategory.LimitsExceeded);

        Assert.Equal(1003, exception.Code);
        Assert.Equal(429, exception.HttpStatus);
        Assert.Equal(TimeSpan.FromSeconds(2), exception.RetryAfter);
        Assert.Equal(uuid, exception.Uuid);
    }

    [Fact]
    public void Code_5000_is_ServerError_and_non_terminating()
    {
        string uuid = NewVideoUuid();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = "error5000", Count = 1 });
        _shell.SetVariable("uuid", uuid);

        var result = _shell.Run("$uuid, $uuid | Get-VeoVideoStatus");

        var exception = VeoAssert.Error(Assert.Single(result.Errors), "ServerError", ErrorCategory.ResourceUnavailable);
        Assert.Equal(5000, exception.Code);
        Assert.Equal(uuid, Assert.Single(result.Objects<VeoVideo>()).Uuid);
        Assert.Equal(uuid, result.Errors[0].TargetObject);
    }

    [Fact]
    public void An_HTML_502_is_ServerError_with_the_HTTP_status()
    {
        string uuid = NewVideoUuid();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = "html502" });

        var exception = VeoAssert.Error(StatusError(uuid), "ServerError", ErrorCategory.ResourceUnavailable);

        Assert.Equal(502, exception.HttpStatus);
        Assert.Null(exception.Code);
    }

    [Fact]
    public void Malformed_JSON_is_InvalidResponse()
    {
        string uuid = NewVideoUuid();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = "malformedJson" });

        VeoAssert.Error(StatusError(uuid), "InvalidResponse", ErrorCategory.ProtocolError);
    }

    [Fact]
    public void A_failed_generate_is_GenerationOutcomeUnknown_after_exactly_one_POST()
    {
        _shell.Connect(_emulator.Server, maxRetryCount: 3);
        _emulator.Server.ResetStats();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "generate-video", Kind = "error5000" });

        ErrorRecord record = _shell.Run("New-VeoVideo -Prompt 'maybe charged'").SingleError();

        var exception = VeoAssert.Error(record, "GenerationOutcomeUnknown", ErrorCategory.InvalidResult);
        Assert.False(string.IsNullOrEmpty(exception.RequestFingerprint));
        Assert.Equal(1, _emulator.Requests("generate-video"));
    }

    [Fact]
    public void A_refused_connection_is_ConnectionFailed()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _shell.SetVariable("key", VeoShell.Secure("k"));
        _shell.SetVariable("journal", _shell.JournalPath);
        _shell.Run($"Connect-Veo -BaseUri 'http://127.0.0.1:{port}/api' -ApiKey $key -MaxRetryCount 0 -JournalPath $journal").ThrowIfFailed();

        VeoAssert.Error(StatusError("nobody-home"), "ConnectionFailed", ErrorCategory.ConnectionError);
    }

    [Fact]
    public void A_slow_answer_is_Timeout()
    {
        _shell.Connect(_emulator.Server, timeoutSec: 1);
        string uuid = NewVideoUuid();
        _emulator.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = "delay", DelayMs = 5000 });

        VeoAssert.Error(StatusError(uuid), "Timeout", ErrorCategory.OperationTimeout);
    }

    [Fact]
    public void A_piped_prompt_with_control_characters_fails_alone_before_any_request_of_its_own()
    {
        _emulator.Server.ResetStats();

        var result = _shell.Run("try { \"bell`a\", 'fine' | New-VeoVideo; 'not terminated' } catch { $_ }");

        Assert.Equal("fine", Assert.Single(result.Objects<VeoVideo>()).Prompt);
        Assert.Equal("not terminated", result.Output.Last().BaseObject);
        ErrorRecord record = Assert.Single(result.Errors);
        VeoAssert.Error(record, "InvalidParameters", ErrorCategory.InvalidArgument);
        Assert.Equal("bell\a", record.TargetObject);
        Assert.Equal(1, _emulator.Requests("generate-video"));
    }

    [Fact]
    public void A_text_file_named_png_is_ImageFormatNotSupported_before_any_upload_and_other_items_continue()
    {
        _emulator.Server.ResetStats();
        var result = _shell.Run("(Join-Path $FixturesPath 'not-an-image.png'), (Join-Path $FixturesPath 'sample.png') | Send-VeoImage");

        Assert.Single(result.Objects<VeoImage>());
        ErrorRecord record = Assert.Single(result.Errors);
        VeoAssert.Error(record, "ImageFormatNotSupported", ErrorCategory.InvalidData);
        Assert.EndsWith("not-an-image.png", (string)record.TargetObject);
        Assert.Equal(1, _emulator.Requests("upload-video-image"));
    }

    [Fact]
    public void An_image_over_50_MB_is_ImageTooLarge_before_any_upload()
    {
        _emulator.Server.ResetStats();
        string big = Path.Combine(_shell.TempFolder, "huge.png");
        using (var stream = File.Create(big))
        {
            stream.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            stream.SetLength(51L * 1024 * 1024);
        }
        _shell.SetVariable("big", big);

        ErrorRecord record = _shell.Run("Send-VeoImage -LiteralPath $big").SingleError();

        VeoAssert.Error(record, "ImageTooLarge", ErrorCategory.LimitsExceeded);
        Assert.Equal(0, _emulator.Requests("upload-video-image"));
    }
}
