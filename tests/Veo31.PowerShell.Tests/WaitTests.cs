using System.Diagnostics;
using System.Management.Automation;
using Xunit;

namespace Veo31.PowerShell.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class WaitTests : IDisposable
{
    private readonly EmulatorFixture _emulator;
    private readonly VeoShell _shell = new VeoShell();

    public WaitTests(EmulatorFixture emulator)
    {
        _emulator = emulator;
        _emulator.Server.ClearFaults();
        _shell.Connect(_emulator.Server);
    }

    public void Dispose() => _shell.Dispose();

    [Fact]
    public void Waits_on_all_videos_at_once_and_emits_each_as_it_completes()
    {
        var clock = Stopwatch.StartNew();
        var result = _shell.Run(
            // Jobs of very different lengths: -MaxPollIntervalSec bounds how late any is noticed, whatever the session
            // learned from the others, so they come out in the order they finish.
            "'slow [seconds=4]', 'fast [seconds=0.5]', 'mid [seconds=2.2]', 'slow too [seconds=4]', 'mid too [seconds=2.2]' | " +
            "New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.5");
        clock.Stop();

        result.ThrowIfFailed();
        var videos = result.Objects<VeoVideo>().ToList();
        Assert.Equal(5, videos.Count);
        Assert.All(videos, v => Assert.Equal(VeoVideoStatus.Completed, v.Status));
        Assert.All(videos, v => Assert.Equal(100, v.Progress));
        Assert.StartsWith("fast", videos[0].Prompt);
        Assert.StartsWith("slow", videos[4].Prompt);
        // One after another would take about 13 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7.5), "took " + clock.Elapsed);
    }

    [Fact]
    public void Writes_one_progress_bar_per_video_under_a_parent()
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _shell.Runspace;
        shell.AddScript("'one [seconds=1]', 'two [seconds=1]' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.3");
        var output = shell.Invoke();

        Assert.Equal(2, output.Count);
        var records = shell.Streams.Progress.ToList();
        var parentIds = records.Where(r => r.ParentActivityId == -1).Select(r => r.ActivityId).Distinct().ToList();
        int parent = Assert.Single(parentIds);
        var children = records.Where(r => r.ParentActivityId == parent).Select(r => r.ActivityId).Distinct().ToList();
        Assert.Equal(2, children.Count);
        Assert.Contains(records, r => r.ParentActivityId == parent && r.PercentComplete is > 0 and < 100);
        Assert.Contains(records, r => r.ActivityId == parent && r.StatusDescription.Contains("2 of 2"));
    }

    [Fact]
    public void A_failed_generation_is_a_non_terminating_GenerationFailed_with_the_video_as_target()
    {
        var result = _shell.Run("'breaks [fail]', 'works' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1");

        Assert.Equal("works", Assert.Single(result.Objects<VeoVideo>()).Prompt);
        ErrorRecord record = Assert.Single(result.Errors);
        VeoAssert.Error(record, "GenerationFailed", ErrorCategory.InvalidResult);
        var target = Assert.IsType<VeoVideo>(record.TargetObject);
        Assert.Equal(VeoVideoStatus.Failed, target.Status);
        Assert.False(string.IsNullOrEmpty(target.FailureReason));
        Assert.Contains(target.Uuid, record.Exception.Message);
    }

    [Fact]
    public void GenerationFailed_stops_a_script_under_ErrorAction_Stop()
    {
        var result = _shell.Run("try { New-VeoVideo -Prompt 'breaks [fail:errorMessage]' | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorAction Stop; 'not stopped' } catch { $_ }");

        var record = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        VeoAssert.Error(record, "GenerationFailed", ErrorCategory.InvalidResult);
    }

    [Fact]
    public void TimeoutSec_ends_the_wait_with_a_Timeout_error_naming_each_unfinished_uuid()
    {
        var created = _shell.Run("'never [seconds=60]', 'never either [seconds=60]', 'quick [seconds=0.2]' | New-VeoVideo");
        created.ThrowIfFailed();
        var videos = created.Objects<VeoVideo>().ToList();
        _shell.SetVariable("videos", videos.ToArray());

        var clock = Stopwatch.StartNew();
        var result = _shell.Run("$videos | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.3 -TimeoutSec 1");
        clock.Stop();

        Assert.Equal("quick [seconds=0.2]", Assert.Single(result.Objects<VeoVideo>()).Prompt);
        Assert.Equal(2, result.Errors.Count);
        foreach (var (record, video) in result.Errors.Zip(videos.Take(2)))
        {
            VeoAssert.Error(record, "Timeout", ErrorCategory.OperationTimeout);
            Assert.Contains(video.Uuid, record.Exception.Message);
            Assert.Equal(video.Uuid, Assert.IsType<VeoVideo>(record.TargetObject).Uuid);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), "took " + clock.Elapsed);
    }

    [Fact]
    public void Polls_each_job_no_more_often_than_PollIntervalSec()
    {
        var created = _shell.Run("New-VeoVideo -Prompt 'counted polls [seconds=1.6]'");
        created.ThrowIfFailed();
        _shell.SetVariable("video", created.Output.Single());
        _emulator.Server.ResetStats();

        var result = _shell.Run("$video | Wait-VeoVideo -PollIntervalSec 0.5");

        result.ThrowIfFailed();
        long polls = _emulator.Requests("video-status");
        Assert.InRange(polls, 2, 5);
    }

    [Fact]
    public void Stop_ends_a_wait_within_a_second_without_an_error_record()
    {
        var created = _shell.Run("1..3 | ForEach-Object { New-VeoVideo -Prompt \"long wait $_ [seconds=60]\" }");
        created.ThrowIfFailed();
        string[] uuids = created.Objects<VeoVideo>().Select(v => v.Uuid).ToArray();

        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _shell.Runspace;
        shell.AddCommand("Wait-VeoVideo").AddParameter("Uuid", uuids).AddParameter("PollIntervalSec", 0.5);
        var pending = shell.BeginInvoke();
        Thread.Sleep(1500);
        Assert.Equal(PSInvocationState.Running, shell.InvocationStateInfo.State);

        var clock = Stopwatch.StartNew();
        shell.Stop();
        clock.Stop();

        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "stop took " + clock.Elapsed);
        Assert.Empty(shell.Streams.Error);
    }

    [Fact]
    public void A_job_whose_polls_keep_failing_gets_its_error_while_the_others_complete()
    {
        var created = _shell.Run("'fine [seconds=0.3]' | New-VeoVideo");
        created.ThrowIfFailed();
        _shell.SetVariable("good", created.Output.Single());

        var result = _shell.Run("$good.Uuid, 'no-such-uuid' | Wait-VeoVideo -PollIntervalSec 0.1");

        Assert.Equal("fine [seconds=0.3]", Assert.Single(result.Objects<VeoVideo>()).Prompt);
        ErrorRecord record = Assert.Single(result.Errors);
        VeoAssert.Error(record, "InvalidParameters", ErrorCategory.InvalidArgument);
        Assert.Equal("no-such-uuid", ((VeoApiException)record.Exception).Uuid);
    }
}
