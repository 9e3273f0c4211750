using Xunit;

namespace Veo31.PowerShell.Tests;

/// <summary>
/// Sessions as the runspace holds them: which one is current, and when one nobody was handed is closed. This needs the
/// runspace's current session without asking Get-VeoSession (which hands it out), so it is hosted here; what a user
/// sees of sessions is in tests/Pester/Connect-Veo.Tests.ps1.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class SessionTests : EmulatorTest
{
    public SessionTests(EmulatorFixture emulator) : base(emulator) { }

    [Fact]
    public void Connecting_again_closes_a_replaced_session_nobody_was_handed()
    {
        VeoSession first = ConnectWithoutPassThru(Shell);
        VeoSession second = ConnectWithoutPassThru(Shell);

        Assert.False(first.IsOpen);
        Assert.True(second.IsOpen);
        Assert.Same(second, VeoSessionState.CurrentOf(Shell.Runspace));
    }

    [Fact]
    public void A_session_replaced_while_a_pipeline_uses_it_closes_when_that_pipeline_ends()
    {
        VeoSession first = ConnectWithoutPassThru(Shell);
        Shell.SetVariable("uri", Emulator.Server.ApiBaseUri);
        Shell.SetVariable("key", VeoShell.Secure(Emulator.Server.ApiKey));
        Shell.SetVariable("journal", Shell.JournalPath);

        var result = Shell.Run("'one', 'two' | New-VeoVideo | ForEach-Object { Connect-Veo -BaseUri $uri -ApiKey $key -JournalPath $journal; $_ } | " +
                               "Wait-VeoVideo -PollIntervalSec 0.1");

        result.ThrowIfFailed();
        Assert.Equal(2, result.Objects<VeoVideo>().Count(v => v.Status == VeoVideoStatus.Completed));
        Assert.False(first.IsOpen);
        Assert.True(VeoSessionState.CurrentOf(Shell.Runspace)!.IsOpen);
    }

    [Fact]
    public void Each_runspace_has_its_own_current_session_and_closing_a_runspace_closes_one_nobody_was_handed()
    {
        VeoSession mine = ConnectWithoutPassThru(Shell);
        VeoSession theirs;
        using (var other = new VeoShell())
        {
            theirs = ConnectWithoutPassThru(other);
            Assert.NotSame(mine, theirs);
            Assert.Same(mine, VeoSessionState.CurrentOf(Shell.Runspace));
            Assert.Same(theirs, VeoSessionState.CurrentOf(other.Runspace));
            other.Runspace.Close(); // as ForEach-Object -Parallel does with its runspaces; no Disconnect-Veo ran
            Assert.False(theirs.IsOpen);
        }

        Assert.True(mine.IsOpen);
        Shell.Run("New-VeoVideo -Prompt 'still mine'").ThrowIfFailed();
    }

    private VeoSession ConnectWithoutPassThru(VeoShell shell)
    {
        shell.SetVariable("ConnectKey", VeoShell.Secure(Emulator.Server.ApiKey));
        shell.SetVariable("ConnectUri", Emulator.Server.ApiBaseUri);
        shell.SetVariable("JournalPath", shell.JournalPath);
        shell.Run("Connect-Veo -BaseUri $ConnectUri -ApiKey $ConnectKey -JournalPath $JournalPath").ThrowIfFailed();
        return VeoSessionState.CurrentOf(shell.Runspace)!;
    }
}
