using System.Management.Automation;
using Xunit;

namespace Veo31.PowerShell.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class ConnectTests : IDisposable
{
    private const string SecretKey = "canary-key-4f1d9a";
    private readonly EmulatorFixture _emulator;
    private readonly VeoShell _shell = new VeoShell();

    public ConnectTests(EmulatorFixture emulator)
    {
        _emulator = emulator;
        _emulator.Server.SetCredits(SecretKey, 1000);
    }

    public void Dispose() => _shell.Dispose();

    [Fact]
    public void PassThru_returns_the_session_with_its_settings_and_makes_it_current()
    {
        VeoSession session = _shell.Connect(_emulator.Server, SecretKey, maxRetryCount: 2, timeoutSec: 7);

        Assert.Same(session, VeoSessionState.Current);
        Assert.Equal(_emulator.Server.ApiBaseUri.AbsoluteUri.TrimEnd('/') + "/", session.BaseUri.AbsoluteUri);
        Assert.Equal(7, session.TimeoutSec);
        Assert.Equal(2, session.MaxRetryCount);
        Assert.Equal(_shell.JournalPath, session.JournalPath);
        Assert.True(session.IsOpen);
        var current = _shell.Run("Get-VeoSession");
        Assert.Same(session, Assert.Single(current.Objects<VeoSession>()));
    }

    [Fact]
    public void The_key_appears_in_no_view_serialisation_or_string_of_the_session()
    {
        VeoSession session = _shell.Connect(_emulator.Server, SecretKey);
        _shell.SetVariable("session", session);

        var views = _shell.Run(
            "($session | Format-List * -Force | Out-String) + ($session | Format-Table | Out-String) + " +
            "($session | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue) + " +
            "[System.Management.Automation.PSSerializer]::Serialize($session, 5) + $session.ToString() + " +
            "($session.psobject.Properties | Out-String)");
        views.ThrowIfFailed();
        string text = string.Concat(views.Output.Select(o => o.ToString()));

        Assert.Contains(session.BaseUri.Port.ToString(), text);
        Assert.DoesNotContain(SecretKey, text);
    }

    [Fact]
    public void A_credential_password_is_the_key()
    {
        _shell.SetVariable("credential", new PSCredential("ignored", VeoShell.Secure(SecretKey)));
        _shell.SetVariable("uri", _emulator.Server.ApiBaseUri);
        _shell.SetVariable("journal", _shell.JournalPath);

        var result = _shell.Run("Connect-Veo -Credential $credential -BaseUri $uri -JournalPath $journal; New-VeoVideo -Prompt 'by credential'");

        result.ThrowIfFailed();
        Assert.Single(result.Objects<VeoVideo>());
    }

    [Fact]
    public void Without_a_key_or_VEO_API_KEY_it_stops_with_ApiKeyMissing_and_never_prompts()
    {
        string? saved = Environment.GetEnvironmentVariable("VEO_API_KEY");
        Environment.SetEnvironmentVariable("VEO_API_KEY", null);
        try
        {
            _shell.SetVariable("uri", _emulator.Server.ApiBaseUri);
            var result = _shell.Run("try { Connect-Veo -BaseUri $uri; 'not terminated' } catch { $_ }");
            var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
            VeoAssert.Error(record, "ApiKeyMissing", ErrorCategory.AuthenticationError);
        }
        finally
        {
            Environment.SetEnvironmentVariable("VEO_API_KEY", saved);
        }
    }

    [Fact]
    public void VEO_API_KEY_and_VEO_BASE_URI_are_used_when_no_parameter_is_given()
    {
        string? savedKey = Environment.GetEnvironmentVariable("VEO_API_KEY");
        string? savedUri = Environment.GetEnvironmentVariable("VEO_BASE_URI");
        Environment.SetEnvironmentVariable("VEO_API_KEY", SecretKey);
        Environment.SetEnvironmentVariable("VEO_BASE_URI", _emulator.Server.ApiBaseUri.ToString());
        try
        {
            _shell.SetVariable("journal", _shell.JournalPath);
            var result = _shell.Run("Connect-Veo -JournalPath $journal -PassThru; New-VeoVideo -Prompt 'from the environment'");
            result.ThrowIfFailed();
            Assert.Equal(_emulator.Server.ApiBaseUri.Port, Assert.Single(result.Objects<VeoSession>()).BaseUri.Port);
            Assert.Single(result.Objects<VeoVideo>());
        }
        finally
        {
            Environment.SetEnvironmentVariable("VEO_API_KEY", savedKey);
            Environment.SetEnvironmentVariable("VEO_BASE_URI", savedUri);
        }
    }

    [Fact]
    public void Connecting_again_closes_the_previous_session()
    {
        VeoSession first = _shell.Connect(_emulator.Server);
        VeoSession second = _shell.Connect(_emulator.Server);

        Assert.False(first.IsOpen);
        Assert.True(second.IsOpen);
        Assert.Same(second, VeoSessionState.Current);
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused()
    {
        _shell.SetVariable("key", VeoShell.Secure(SecretKey));
        var result = _shell.Run("try { Connect-Veo -BaseUri 'http://example.invalid/api' -ApiKey $key; 'not terminated' } catch { $_ }");

        var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        VeoAssert.Error(record, "UnsafeUrl", ErrorCategory.SecurityError);
    }

    [Fact]
    public void After_Disconnect_every_API_cmdlet_stops_with_NotConnected()
    {
        _shell.Connect(_emulator.Server);
        _shell.Run("Disconnect-Veo").ThrowIfFailed();

        foreach (string command in new[] { "New-VeoVideo -Prompt 'x'", "Get-VeoVideoStatus -Uuid 'x'", "Wait-VeoVideo -Uuid 'x'", "Save-VeoVideo -Uuid 'x'", "Send-VeoImage -LiteralPath 'x'" })
        {
            var result = _shell.Run("try { " + command + "; 'not terminated' } catch { $_ }");
            var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
            VeoAssert.Error(record, "NotConnected", ErrorCategory.InvalidOperation);
        }
    }

    [Fact]
    public void Disconnect_without_a_session_is_a_non_terminating_error()
    {
        _shell.Connect(_emulator.Server);
        _shell.Run("Disconnect-Veo").ThrowIfFailed();

        var result = _shell.Run("Disconnect-Veo -ErrorAction SilentlyContinue -ErrorVariable e; 'continued'; $e.Count");

        Assert.Equal(new[] { "continued", "1" }, result.Output.Select(o => o.ToString()));
    }
}
