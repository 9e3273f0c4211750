using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Never pay twice for the same video: an identical request gets the journaled job; a failed one is paid again.</summary>
public class ReuseTests
{
    private static JobService Jobs(EmulatorHarness h) => new(h.Client, new JobJournal(Path.Combine(h.TempDir, "journal.jsonl")));

    private static GenerateVideoRequest Image(string prompt, string sha, string url = "http://127.0.0.1:1/i.png") => new()
    {
        Prompt = prompt,
        ImageUrl = url,
        ImageKey = "k",
        SourceImage = new SourceImageInfo { Name = "i.png", Path = "/tmp/i.png", Sha256 = sha, Length = 1 },
    };

    private static JournalEntry Entry(string uuid, GenerateVideoRequest request, VideoStatus status, string? url = null, DateTimeOffset? at = null) => new()
    {
        Uuid = uuid,
        Prompt = request.Prompt,
        GenerationType = request.GenerationType,
        AspectRatio = request.AspectRatio,
        SourceImage = request.SourceImage,
        LastStatus = status,
        VideoUrl = url,
        Submitted = at ?? DateTimeOffset.UtcNow,
    };

    [Fact]
    public void An_identical_request_is_the_same_type_prompt_aspect_ratio_and_image_content_not_the_image_url()
    {
        var earlier = Entry("done", Image("a pan", "ab12"), VideoStatus.Completed, "http://cdn/v.mp4");
        Assert.Same(earlier, ReuseRules.FindIn([earlier], Image("a pan", "AB12", url: "http://127.0.0.1:1/other-upload.png")));
        Assert.Null(ReuseRules.FindIn([earlier], Image("a pan", "cd34")));
        Assert.Null(ReuseRules.FindIn([earlier], Image("A pan", "ab12")));
        Assert.Null(ReuseRules.FindIn([earlier], new GenerateVideoRequest { Prompt = "a pan" }));
        var wide = Image("a pan", "ab12");
        wide.AspectRatio = "16:9";
        Assert.Null(ReuseRules.FindIn([earlier], wide));
    }

    [Fact]
    public void An_image_of_unknown_content_is_never_matched()
    {
        var request = new GenerateVideoRequest { Prompt = "p", ImageUrl = "http://127.0.0.1:1/x.png" };
        var earlier = Entry("e", request, VideoStatus.Completed, "http://cdn/v.mp4");
        Assert.Null(ReuseRules.KeyOf(request));
        Assert.Null(ReuseRules.FindIn([earlier], request));
    }

    [Theory]
    [InlineData(VideoStatus.Failed, false)]
    [InlineData(VideoStatus.Pending, true)]
    [InlineData(VideoStatus.Processing, true)]
    public void Only_a_completed_or_running_job_stands_for_a_new_request(VideoStatus status, bool reused)
    {
        var request = new GenerateVideoRequest { Prompt = "p" };
        var earlier = Entry("e", request, status);
        Assert.Equal(reused, ReuseRules.FindIn([earlier], request) != null);
        Assert.Null(ReuseRules.FindIn([new JournalEntry { Uuid = "g", Prompt = "p", GenerationType = "text_to_video", IsGone = true }], request));
        Assert.Null(ReuseRules.FindIn([new JournalEntry { Prompt = "p", GenerationType = "text_to_video", IsOutcomeUnknown = true, RequestFingerprint = "f" }], request));
    }

    [Fact]
    public void A_completed_job_wins_over_a_newer_running_one()
    {
        var request = new GenerateVideoRequest { Prompt = "p" };
        var done = Entry("done", request, VideoStatus.Completed, "http://cdn/v.mp4", DateTimeOffset.UtcNow.AddHours(-2));
        var running = Entry("running", request, VideoStatus.Processing);
        Assert.Same(done, ReuseRules.FindIn([running, done], request));
    }

    [Fact]
    public async Task Reuse_spends_nothing_and_a_failed_earlier_job_is_paid_again()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var first = await jobs.SubmitOrReuseAsync(new GenerateVideoRequest { Prompt = "kept [seconds=0.2]" }, CancellationToken.None);
        Assert.NotNull(first.Job);
        var again = await jobs.SubmitOrReuseAsync(new GenerateVideoRequest { Prompt = "kept [seconds=0.2]" }, CancellationToken.None);
        Assert.Equal(first.Job!.Uuid, again.Reused!.Uuid);
        Assert.Equal(1, h.Server.GetStats().Generations);

        const string broken = "broken [seconds=0.1] [status=failed:no]";
        var failed = await jobs.SubmitOrReuseAsync(new GenerateVideoRequest { Prompt = broken }, CancellationToken.None);
        for (int i = 0; i < 50 && jobs.Journal.Find(failed.Job!.Uuid)!.LastStatus != VideoStatus.Failed; i++)
        {
            await Task.Delay(100);
            await jobs.GetStatusAsync(failed.Job!.Uuid, CancellationToken.None);
        }
        Assert.Equal(VideoStatus.Failed, jobs.Journal.Find(failed.Job!.Uuid)!.LastStatus);
        var retried = await jobs.SubmitOrReuseAsync(new GenerateVideoRequest { Prompt = broken }, CancellationToken.None);
        Assert.NotNull(retried.Job);
        Assert.Null(retried.Reused);
        Assert.Equal(3, h.Server.GetStats().Generations);
    }

    [Fact]
    public async Task Identical_requests_on_the_wire_at_once_pay_once()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault(EmulatorEndpoints.GenerateVideo, "slowAfter", delayMs: 300, count: 1);
        var jobs = Jobs(h);
        var request = () => new GenerateVideoRequest { Prompt = "twice in one batch" };
        var results = await Task.WhenAll(jobs.SubmitOrReuseAsync(request(), CancellationToken.None), jobs.SubmitOrReuseAsync(request(), CancellationToken.None),
            jobs.SubmitOrReuseAsync(request(), CancellationToken.None));
        Assert.Equal(1, h.Server.GetStats().Generations);
        string uuid = results[0].Job!.Uuid;
        Assert.Equal(uuid, results[1].Reused!.Uuid);
        Assert.Equal(uuid, results[2].Reused!.Uuid);
    }
}
