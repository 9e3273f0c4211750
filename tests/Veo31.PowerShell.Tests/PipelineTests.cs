using System.Management.Automation;
using Xunit;

namespace Veo31.PowerShell.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class PipelineTests : IDisposable
{
    private readonly EmulatorFixture _emulator;
    private readonly VeoShell _shell = new VeoShell();

    public PipelineTests(EmulatorFixture emulator)
    {
        _emulator = emulator;
        _emulator.Server.ClearFaults();
        _shell.Connect(_emulator.Server);
    }

    public void Dispose() => _shell.Dispose();

    [Fact]
    public void Images_to_files_gives_one_video_per_image()
    {
        _emulator.Server.ResetStats();
        var result = _shell.Run(
            "Get-ChildItem -Path (Join-Path $FixturesPath 'sample.*') | Send-VeoImage | New-VeoVideo -Prompt 'pan' | " +
            "Wait-VeoVideo -PollIntervalSec 0.1 | Save-VeoVideo -Destination (Join-Path $TestFolder 'out')");

        result.ThrowIfFailed();
        var files = result.Objects<FileInfo>().ToList();
        Assert.Equal(3, files.Count);
        Assert.All(files, f => Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(f.FullName), 4, 4)));
        var stats = _emulator.Server.GetStats();
        Assert.Equal(3, stats.Generations);
        Assert.Equal(3, _emulator.Requests("upload-video-image"));
        Assert.Empty(stats.CdnAuthorizationHeaders);
    }

    [Fact]
    public void A_VeoImage_binds_by_property_name_as_image_to_video()
    {
        var result = _shell.Run("Send-VeoImage -LiteralPath (Join-Path $FixturesPath 'sample.png') | New-VeoVideo -Prompt 'zoom'");

        result.ThrowIfFailed();
        VeoVideo video = Assert.Single(result.Objects<VeoVideo>());
        Assert.Equal("image_to_video", video.GenerationType);
        Assert.NotNull(video.ImageKey);
        Assert.Equal(VeoVideoStatus.Pending, video.Status);
    }

    [Fact]
    public void Piped_strings_become_one_video_per_line_in_order_each_recorded_in_the_journal()
    {
        var result = _shell.Run("'first line', 'second line', 'third line' | New-VeoVideo -AspectRatio 9:16");

        result.ThrowIfFailed();
        var videos = result.Objects<VeoVideo>().ToList();
        Assert.Equal(new[] { "first line", "second line", "third line" }, videos.Select(v => v.Prompt));
        Assert.All(videos, v => Assert.Equal("9:16", v.AspectRatio));
        // Piped prompts are submitted concurrently: the journal holds them in the order the API accepted them.
        var journal = _shell.Run("Get-VeoVideo").Objects<VeoVideo>().Select(v => v.Uuid).ToList();
        Assert.Equal(videos.Select(v => v.Uuid).OrderBy(u => u, StringComparer.Ordinal), journal.OrderBy(u => u, StringComparer.Ordinal));
    }

    [Fact]
    public void WhatIf_sends_nothing_and_charges_nothing()
    {
        _emulator.Server.ResetStats();

        var result = _shell.Run("New-VeoVideo -Prompt 'what if' -WhatIf; Send-VeoImage -LiteralPath (Join-Path $FixturesPath 'sample.png') -WhatIf");

        result.ThrowIfFailed();
        Assert.Empty(result.Output);
        Assert.Equal(0, _emulator.Requests("generate-video"));
        Assert.Equal(0, _emulator.Requests("upload-video-image"));
        Assert.Equal(0, _emulator.Server.GetStats().CreditsCharged);
        Assert.Empty(_shell.Run("Get-VeoVideo").Output);
    }

    [Fact]
    public void Get_VeoVideoStatus_takes_uuids_by_value_and_videos_by_property_name()
    {
        var result = _shell.Run("$v = New-VeoVideo -Prompt 'status binding'; ($v.Uuid | Get-VeoVideoStatus).Uuid; ($v | Get-VeoVideoStatus).Uuid; $v.Uuid");

        result.ThrowIfFailed();
        var uuids = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(3, uuids.Count);
        Assert.All(uuids, u => Assert.Equal(uuids[2], u));
    }

    [Fact]
    public void Many_piped_uuids_are_fetched_concurrently_and_written_in_input_order()
    {
        var created = _shell.Run("1..24 | ForEach-Object { New-VeoVideo -Prompt \"ordered $_\" }");
        created.ThrowIfFailed();
        var uuids = created.Objects<VeoVideo>().Select(v => v.Uuid).ToList();
        _shell.SetVariable("uuids", uuids.ToArray());
        _emulator.Server.AddFault(new Veo31.Emulator.FaultRule { Endpoint = "video-status", Kind = "delay", DelayMs = 300 });
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = _shell.Run("$uuids | Get-VeoVideoStatus");
            clock.Stop();

            result.ThrowIfFailed();
            Assert.Equal(uuids, result.Objects<VeoVideo>().Select(v => v.Uuid));
            // One after another would take 24 x 300 ms = 7.2 s.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
        }
        finally
        {
            _emulator.Server.ClearFaults();
        }
    }

    [Fact]
    public void Verbose_shows_Core_requests_on_the_verbose_stream_without_the_key()
    {
        var result = _shell.Run("New-VeoVideo -Prompt 'verbose please' -Verbose");

        result.ThrowIfFailed();
        Assert.Contains(result.Verbose, v => v.Message.Contains("generate-video"));
        Assert.DoesNotContain(result.Verbose, v => v.Message.Contains(_emulator.Server.ApiKey));
    }

    [Fact]
    public void Send_VeoImage_expands_wildcards_and_reports_a_missing_path_per_item()
    {
        var result = _shell.Run(
            "Send-VeoImage -Path (Join-Path $FixturesPath 'sample.*'); Send-VeoImage -LiteralPath (Join-Path $TestFolder 'missing.png')");

        Assert.Equal(3, result.Objects<VeoImage>().Count());
        Assert.Equal(new[] { VeoImageFormat.Jpeg, VeoImageFormat.Png, VeoImageFormat.WebP },
            result.Objects<VeoImage>().Select(i => i.Format).OrderBy(f => f));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PathNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }
}
