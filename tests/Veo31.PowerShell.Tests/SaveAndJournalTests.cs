using System.Management.Automation;
using System.Management.Automation.Language;
using Veo31.PowerShell.Completion;
using Xunit;

namespace Veo31.PowerShell.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class SaveAndJournalTests : IDisposable
{
    private readonly EmulatorFixture _emulator;
    private readonly VeoShell _shell = new VeoShell();

    public SaveAndJournalTests(EmulatorFixture emulator)
    {
        _emulator = emulator;
        _emulator.Server.ClearFaults();
        _shell.Connect(_emulator.Server);
    }

    public void Dispose() => _shell.Dispose();

    private VeoVideo CompletedVideo()
    {
        var result = _shell.Run("New-VeoVideo -Prompt 'to be saved [seconds=0.2]' | Wait-VeoVideo -PollIntervalSec 0.1");
        result.ThrowIfFailed();
        return result.Objects<VeoVideo>().Single();
    }

    [Fact]
    public async Task Saves_into_a_new_folder_named_by_the_template_and_records_the_file_in_the_journal()
    {
        VeoVideo video = CompletedVideo();
        _shell.SetVariable("video", video);

        var result = _shell.Run("$video | Save-VeoVideo -Destination (Join-Path $TestFolder 'new/folder') -FileNameTemplate 'clip-{Uuid}.mp4'");

        result.ThrowIfFailed();
        FileInfo file = Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(Path.Combine(_shell.TempFolder, "new", "folder", "clip-" + video.Uuid + ".mp4"), file.FullName);
        var info = (await _emulator.Server.GetVideoInfoAsync(video.Uuid))!;
        Assert.Equal(info.Length, file.Length);
        var entry = Assert.Single(_shell.Run("Get-VeoVideo -Uuid $video.Uuid").Objects<VeoVideo>());
        Assert.Equal(file.FullName, entry.SavedPath);
        Assert.Equal(VeoVideoStatus.Completed, entry.Status);
    }

    [Fact]
    public void A_uuid_is_looked_up_first_and_a_video_not_yet_completed_is_an_error()
    {
        var result = _shell.Run("$v = New-VeoVideo -Prompt 'not yet [seconds=30]'; $v.Uuid | Save-VeoVideo -Destination $TestFolder");

        ErrorRecord record = Assert.Single(result.Errors);
        VeoAssert.Error(record, "VideoNotCompleted", ErrorCategory.InvalidOperation);
        Assert.Empty(Directory.GetFiles(_shell.TempFolder, "*.mp4"));
    }

    [Fact]
    public void An_existing_file_is_kept_without_Force_and_replaced_with_it()
    {
        _shell.SetVariable("video", CompletedVideo());
        string folder = Path.Combine(_shell.TempFolder, "overwrite");
        _shell.SetVariable("folder", folder);
        FileInfo first = _shell.Run("$video | Save-VeoVideo -Destination $folder").Objects<FileInfo>().Single();
        File.WriteAllText(first.FullName, "precious");

        ErrorRecord record = _shell.Run("$video | Save-VeoVideo -Destination $folder").SingleError();
        VeoAssert.Error(record, "FileExists", ErrorCategory.ResourceExists);
        Assert.Equal("precious", File.ReadAllText(first.FullName));

        var forced = _shell.Run("$video | Save-VeoVideo -Destination $folder -Force");
        forced.ThrowIfFailed();
        Assert.NotEqual("precious", File.ReadAllText(first.FullName));
    }

    [Theory]
    [InlineData("../escape.mp4")]
    [InlineData("/tmp/veo31-absolute.mp4")]
    [InlineData("CON.mp4")]
    public void An_unsafe_file_name_is_UnsafePath_and_nothing_is_written(string template)
    {
        _shell.SetVariable("video", CompletedVideo());
        _shell.SetVariable("template", template);
        string folder = Path.Combine(_shell.TempFolder, "dest");

        ErrorRecord record = _shell.Run("$video | Save-VeoVideo -Destination (Join-Path $TestFolder 'dest') -FileNameTemplate $template").SingleError();

        VeoAssert.Error(record, "UnsafePath", ErrorCategory.InvalidArgument);
        Assert.DoesNotContain(Directory.GetFiles(_shell.TempFolder, "*", SearchOption.AllDirectories), f => !f.StartsWith(Path.Combine(_shell.TempFolder, "journal")));
        Assert.False(File.Exists("/tmp/veo31-absolute.mp4"));
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any());
    }

    [Fact]
    public void Get_VeoVideo_Pending_then_Wait_then_Save_resumes_unfinished_work()
    {
        var created = _shell.Run("'resume one [seconds=0.8]', 'resume two [seconds=0.8]' | New-VeoVideo");
        created.ThrowIfFailed();
        _shell.Run("(New-VeoVideo -Prompt 'already done [seconds=0.1]') | Wait-VeoVideo -PollIntervalSec 0.1").ThrowIfFailed();

        // A new runspace, as after a restart: only the journal remembers the uuids.
        using var restarted = new VeoShell();
        restarted.SetVariable("journal", _shell.JournalPath);
        restarted.SetVariable("key", VeoShell.Secure(_emulator.Server.ApiKey));
        restarted.SetVariable("uri", _emulator.Server.ApiBaseUri);
        var pending = restarted.Run("Connect-Veo -BaseUri $uri -ApiKey $key -JournalPath $journal; (Get-VeoVideo -Pending).Prompt");
        pending.ThrowIfFailed();
        // Submitted concurrently, so the journal holds them in the order the API accepted them.
        Assert.Equal(new[] { "resume one [seconds=0.8]", "resume two [seconds=0.8]" }, pending.Output.Select(o => o.ToString()).OrderBy(p => p, StringComparer.Ordinal));

        var resumed = restarted.Run("Get-VeoVideo -Pending | Wait-VeoVideo -PollIntervalSec 0.1 | Save-VeoVideo -Destination $TestFolder");
        resumed.ThrowIfFailed();
        Assert.Equal(2, resumed.Objects<FileInfo>().Count());
        Assert.Empty(restarted.Run("Get-VeoVideo -Pending").Output);
        Assert.Equal(3, restarted.Run("Get-VeoVideo").Output.Count);
    }

    [Fact]
    public void Get_VeoVideo_reads_the_default_journal_without_a_connection()
    {
        _shell.Run("New-VeoVideo -Prompt 'listed offline'").ThrowIfFailed();
        _shell.Run("Disconnect-Veo").ThrowIfFailed();
        string? saved = Environment.GetEnvironmentVariable("VEO_JOURNAL");
        Environment.SetEnvironmentVariable("VEO_JOURNAL", _shell.JournalPath);
        try
        {
            var result = _shell.Run("Get-VeoVideo -Uuid '*'");
            result.ThrowIfFailed();
            Assert.Equal("listed offline", Assert.Single(result.Objects<VeoVideo>()).Prompt);
        }
        finally
        {
            Environment.SetEnvironmentVariable("VEO_JOURNAL", saved);
        }
    }

    [Fact]
    public void Uuid_completion_offers_recent_journal_uuids_matching_the_prefix()
    {
        // One at a time, so the journal's order (most recent last) is the order they were piped in.
        var created = _shell.Run("'complete me', 'and me' | New-VeoVideo -ThrottleLimit 1");
        created.ThrowIfFailed();
        var uuids = created.Objects<VeoVideo>().Select(v => v.Uuid).ToList();

        // PowerShell runs completers on the runspace's thread, where the runspace's current session is found.
        var completer = new JournalUuidCompleter();
        var saved = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
        System.Management.Automation.Runspaces.Runspace.DefaultRunspace = _shell.Runspace;
        List<System.Management.Automation.CompletionResult> all, one;
        try
        {
            all = completer.CompleteArgument("Wait-VeoVideo", "Uuid", "", null!, new System.Collections.Hashtable()).ToList();
            one = completer.CompleteArgument("Wait-VeoVideo", "Uuid", uuids[0].Substring(0, 8), null!, new System.Collections.Hashtable()).ToList();
        }
        finally
        {
            System.Management.Automation.Runspaces.Runspace.DefaultRunspace = saved;
        }

        Assert.Equal(uuids.AsEnumerable().Reverse(), all.Select(c => c.CompletionText));
        Assert.Equal(uuids[0], Assert.Single(one).CompletionText);
        Assert.Contains("complete me", one[0].ToolTip);
    }
}
