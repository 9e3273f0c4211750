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

        Assert.Same(session, VeoSessionState.CurrentOf(_shell.Runspace));
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
    public void Connecting_again_closes_a_replaced_session_nobody_was_handed()
    {
        VeoSession first = ConnectWithoutPassThru(_shell);
        VeoSession second = ConnectWithoutPassThru(_shell);

        Assert.False(first.IsOpen);
        Assert.True(second.IsOpen);
        Assert.Same(second, VeoSessionState.CurrentOf(_shell.Runspace));
    }

    [Fact]
    public void Connecting_again_leaves_a_session_from_PassThru_open_and_current_no_more()
    {
        VeoSession first = _shell.Connect(_emulator.Server);
        VeoSession second = ConnectWithoutPassThru(_shell);

        Assert.True(first.IsOpen);
        Assert.Same(second, VeoSessionState.CurrentOf(_shell.Runspace));
        _shell.SetVariable("first", first);
        _shell.Run("New-VeoVideo -Prompt 'on the first session' -Session $first").ThrowIfFailed();
    }

    [Fact]
    public void A_session_replaced_while_a_pipeline_uses_it_closes_when_that_pipeline_ends()
    {
        VeoSession first = ConnectWithoutPassThru(_shell);
        _shell.SetVariable("uri", _emulator.Server.ApiBaseUri);
        _shell.SetVariable("key", VeoShell.Secure(_emulator.Server.ApiKey));
        _shell.SetVariable("journal", _shell.JournalPath);

        var result = _shell.Run("'one', 'two' | New-VeoVideo | ForEach-Object { Connect-Veo -BaseUri $uri -ApiKey $key -JournalPath $journal; $_ } | " +
                                "Wait-VeoVideo -PollIntervalSec 0.1");

        result.ThrowIfFailed();
        Assert.Equal(2, result.Objects<VeoVideo>().Count(v => v.Status == VeoVideoStatus.Completed));
        Assert.False(first.IsOpen);
        Assert.True(VeoSessionState.CurrentOf(_shell.Runspace)!.IsOpen);
    }

    [Fact]
    public void Each_runspace_has_its_own_current_session_and_closing_a_runspace_closes_one_nobody_was_handed()
    {
        VeoSession mine = ConnectWithoutPassThru(_shell);
        VeoSession theirs;
        using (var other = new VeoShell())
        {
            theirs = ConnectWithoutPassThru(other);
            Assert.NotSame(mine, theirs);
            Assert.Same(mine, VeoSessionState.CurrentOf(_shell.Runspace));
            Assert.Same(theirs, VeoSessionState.CurrentOf(other.Runspace));
            other.Runspace.Close(); // as ForEach-Object -Parallel does with its runspaces; no Disconnect-Veo ran
            Assert.False(theirs.IsOpen);
        }

        Assert.True(mine.IsOpen);
        _shell.Run("New-VeoVideo -Prompt 'still mine'").ThrowIfFailed();
    }

    [Fact]
    public void A_refused_key_leaves_the_current_session_as_it_was()
    {
        VeoSession before = ConnectWithoutPassThru(_shell);
        _shell.SetVariable("bad", VeoShell.Secure(SecretKey + "é"));
        _shell.SetVariable("uri", _emulator.Server.ApiBaseUri);

        var result = _shell.Run("try { Connect-Veo -BaseUri $uri -ApiKey $bad; 'not terminated' } catch { $_ }");

        var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        VeoAssert.Error(record, "InvalidApiKey", ErrorCategory.InvalidArgument);
        Assert.DoesNotContain(SecretKey, record.Exception.ToString());
        Assert.Same(before, VeoSessionState.CurrentOf(_shell.Runspace));
        Assert.True(before.IsOpen);
    }

    private VeoSession ConnectWithoutPassThru(VeoShell shell)
    {
        shell.SetVariable("ConnectKey", VeoShell.Secure(SecretKey));
        shell.SetVariable("ConnectUri", _emulator.Server.ApiBaseUri);
        shell.SetVariable("JournalPath", shell.JournalPath);
        shell.Run("Connect-Veo -BaseUri $ConnectUri -ApiKey $ConnectKey -JournalPath $JournalPath").ThrowIfFailed();
        return VeoSessionState.CurrentOf(shell.Runspace)!;
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
