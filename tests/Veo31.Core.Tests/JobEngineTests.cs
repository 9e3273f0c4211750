using System.Collections.Concurrent;
using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The job service over real HTTP: waiting that adapts to the service, checked status answers, journaled outcomes.</summary>
public class JobEngineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static JobService Jobs(EmulatorHarness h) => new(h.Client, new JobJournal(Path.Combine(h.TempDir, "journal.jsonl")));

    private static WaitOptions Fast(double interval = 0.2, double max = 5) => new()
    {
        PollInterval = TimeSpan.FromSeconds(interval),
        MaxPollInterval = TimeSpan.FromSeconds(max),
    };

    private static async Task<(VideoJobInfo Job, WaitRequest Request)> SubmitAsync(JobService jobs, string prompt)
    {
        var submitted = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = prompt }, CancellationToken.None);
        Assert.Null(submitted.Failure);
        var job = submitted.Job!;
        return (job, new WaitRequest(job.Uuid) { LastKnown = job, LastChecked = DateTimeOffset.UtcNow, Submitted = DateTimeOffset.UtcNow });
    }

    private static long Stat(IReadOnlyDictionary<string, long> stats, string endpoint) => stats.TryGetValue(endpoint, out long n) ? n : 0;

    // Without a daily cap nothing else reads the journal before the paid request: a journal too large to read must still stop
    // it, or the request is paid for and its uuid cannot be recorded.
    [Fact]
    public async Task A_journal_too_large_to_read_is_found_before_a_paid_request_not_after_it()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string path = Path.Combine(h.TempDir, "journal.jsonl");
        using (var file = new FileStream(path, FileMode.CreateNew)) file.SetLength(JournalReadLimit.MaxBytes + 1); // sparse
        VeoException? refused = null;
        SubmitResult? submitted = null;
        try
        {
            var jobs = new JobService(h.Client, new JobJournal(path));
            submitted = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "a fox" }, CancellationToken.None);
        }
        catch (VeoException ex)
        {
            refused = ex;
        }
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo)); // nothing paid for while its uuid cannot be recorded
        Assert.Null(submitted?.Job);
        Assert.Equal(VeoErrorKind.UnsafePath, (refused ?? submitted?.Failure)?.Kind);
    }

    [Fact]
    public async Task A_rate_limit_while_waiting_slows_the_session_down_and_fails_no_job()
    {
        // No estimates, so every job is polled every interval: 40 jobs at 0.2 s ask for 200 polls a second against 10.
        await using var h = await EmulatorHarness.StartAsync(e => { e.RateLimitStatus = 10; e.EstimatedTime = EstimatedTimeModes.Missing; });
        var jobs = Jobs(h);
        var started = new List<WaitRequest>();
        for (int i = 0; i < 40; i++) started.Add((await SubmitAsync(jobs, "job " + i + " [seconds=3]")).Request);
        var results = await Task.WhenAll(started.Select(r => jobs.WaitAsync(r, Fast(), _ => { }, CancellationToken.None)));
        Assert.All(results, job => Assert.Equal(VideoStatus.Completed, job.Status));
        var stats = h.Server.GetStats();
        long limited = Stat(stats.RateLimited, EmulatorEndpoints.VideoStatus), asked = Stat(stats.Requests, EmulatorEndpoints.VideoStatus);
        output.WriteLine($"MEASURE status requests {asked}, answered 1003: {limited}, rate now {h.Client.RateLimiter.Rate:0.0}/s");
        Assert.True(h.Client.RateLimiter.IsPacing, "the session never slowed down");
        Assert.True(limited < asked / 4, $"{limited} of {asked} status requests were throttled: the session did not slow down");
    }

    [Fact]
    public async Task Exact_estimates_let_a_batch_be_polled_about_once_a_job()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var requests = new List<WaitRequest>();
        for (int i = 0; i < 20; i++) requests.Add((await SubmitAsync(jobs, "job " + i + " [seconds=3]")).Request);
        var results = await Task.WhenAll(requests.Select(r => jobs.WaitAsync(r, Fast(), _ => { }, CancellationToken.None)));
        Assert.All(results, job => Assert.Equal(VideoStatus.Completed, job.Status));
        long polls = h.Requests(EmulatorEndpoints.VideoStatus);
        output.WriteLine($"MEASURE 20 jobs of 3 s at a 0.2 s floor: {polls} status requests (a fixed poller: about 300)");
        Assert.InRange(polls, 20, 26);
    }

    [Fact]
    public async Task A_status_for_another_uuid_is_refused_and_journals_nothing_while_one_in_other_letter_case_is_the_same_job()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var (job, _) = await SubmitAsync(jobs, "a fox");
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.OtherUuid, value: "someone-elses-video");
        var ex = await Assert.ThrowsAsync<VeoException>(() => jobs.GetStatusAsync(job.Uuid, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.Equal(job.Uuid, ex.Uuid);
        Assert.DoesNotContain(jobs.Journal.ReadAll(), e => e.Uuid == "someone-elses-video");
        Assert.DoesNotContain("someone-elses-video", File.ReadAllText(jobs.Journal.Path));

        h.Server.ClearFaults();
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.UpperCaseUuid);
        var same = await jobs.GetStatusAsync(job.Uuid, CancellationToken.None);
        Assert.Equal(job.Uuid, same.Value.Uuid);
    }

    [Fact]
    public async Task A_wait_polls_through_answers_for_another_uuid()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var (job, request) = await SubmitAsync(jobs, "a fox [seconds=1]");
        h.Fault(EmulatorEndpoints.VideoStatus, FaultKinds.OtherUuid, count: 3);
        var failures = new ConcurrentQueue<WaitEvent>();
        var done = await jobs.WaitAsync(request, Fast(), e => { if (e.PollFailure != null) failures.Enqueue(e); }, CancellationToken.None);
        Assert.Equal(job.Uuid, done.Uuid);
        Assert.Equal(VideoStatus.Completed, done.Status);
        Assert.Equal(3, failures.Count);
        Assert.All(failures, f => Assert.Equal(VeoErrorKind.InvalidResponse, f.PollFailure!.Kind));
    }

    [Theory]
    [InlineData("[status=cancelled:Cancelled by the operator]", "cancelled", "Cancelled by the operator")]
    [InlineData("[status=expired]", "expired", null)]
    [InlineData("[status=queued_v3:quota exhausted]", "queued_v3", "quota exhausted")]
    public async Task Statuses_that_mean_a_terminal_failure_end_the_wait_as_GenerationFailed(string marker, string raw, string? reason)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var (job, request) = await SubmitAsync(jobs, "a fox [seconds=0.5] " + marker);
        var ex = await Assert.ThrowsAsync<VeoException>(() => jobs.WaitAsync(request, Fast(), _ => { }, CancellationToken.None));
        Assert.Equal(VeoErrorKind.GenerationFailed, ex.Kind);
        Assert.Contains(raw, ex.Message);
        if (reason != null) Assert.Contains(reason, ex.Message);
        var entry = jobs.Journal.Find(job.Uuid)!;
        Assert.Equal(VideoStatus.Failed, entry.LastStatus);
        Assert.Equal(raw, entry.RawStatus);
        Assert.False(entry.IsPending);
    }

    [Fact]
    public async Task An_unknown_running_status_keeps_being_polled_and_shows_its_own_word()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var (_, request) = await SubmitAsync(jobs, "a fox [seconds=1] [midstatus=queued_v2]");
        var seen = new ConcurrentQueue<string?>();
        var done = await jobs.WaitAsync(request, Fast(), e => { if (e.Status != null) seen.Enqueue(e.Status.RawStatus); }, CancellationToken.None);
        Assert.Equal(VideoStatus.Completed, done.Status);
        Assert.Contains("queued_v2", seen);
    }

    [Fact]
    public async Task Completed_without_a_videoUrl_is_polled_again_and_then_refused()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        var (_, briefly) = await SubmitAsync(jobs, "a fox [seconds=0.3] [nourl=2]");
        var done = await jobs.WaitAsync(briefly, Fast(), _ => { }, CancellationToken.None);
        Assert.False(string.IsNullOrEmpty(done.VideoUrl));

        var (never, forever) = await SubmitAsync(jobs, "a bear [seconds=0.3] [nourl=1000]");
        var ex = await Assert.ThrowsAsync<VeoException>(() => jobs.WaitAsync(forever, Fast(), _ => { }, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.Contains("without a videoUrl", ex.Message);
        Assert.True(jobs.Journal.Find(never.Uuid)!.IsPending);
    }

    [Fact]
    public async Task A_job_the_API_does_not_know_is_marked_gone_and_leaves_the_pending_list()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        jobs.Journal.RecordSubmitted(new VideoJobInfo { Uuid = "vanished-1", Status = VideoStatus.Pending }, new GenerateVideoRequest { Prompt = "x" });
        var ex = await Assert.ThrowsAsync<VeoException>(() => jobs.WaitAsync(new WaitRequest("vanished-1"), Fast(), _ => { }, CancellationToken.None));
        Assert.Equal(VeoErrorKind.InvalidParameters, ex.Kind);
        var entry = jobs.Journal.Find("vanished-1")!;
        Assert.True(entry.IsGone);
        Assert.False(entry.IsPending);

        await Assert.ThrowsAsync<VeoException>(() => jobs.GetStatusAsync("never-journaled", CancellationToken.None));
        Assert.Null(jobs.Journal.Find("never-journaled"));
    }

    [Fact]
    public async Task A_stop_while_a_charging_generation_is_on_the_wire_still_journals_its_uuid()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.SlowAfter, count: 1, delayMs: 1500);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var result = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "paid for, then stopped" }, stop.Token);
        Assert.True(stop.IsCancellationRequested);
        Assert.NotNull(result.Job);
        Assert.Equal(1, h.Server.GetStats().Generations);
        var entry = Assert.Single(jobs.Journal.ReadAll());
        Assert.Equal(result.Job!.Uuid, entry.Uuid);
    }

    [Fact]
    public async Task A_charged_generation_whose_answer_is_lost_is_journaled_as_outcome_unknown_with_its_fingerprint()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = Jobs(h);
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.SlowAfterDrop, count: 1, delayMs: 200);
        var request = new GenerateVideoRequest { Prompt = "answer lost" };
        var result = await jobs.SubmitAsync(request, CancellationToken.None);
        Assert.Null(result.Job);
        Assert.Equal(VeoErrorKind.GenerationOutcomeUnknown, result.Failure!.Kind);
        Assert.Equal(1, h.Server.GetStats().Generations);
        Assert.Equal(1, h.Requests(EmulatorEndpoints.GenerateVideo));
        var entry = Assert.Single(jobs.Journal.ReadAll());
        Assert.True(entry.IsOutcomeUnknown);
        Assert.Equal(result.Failure.RequestFingerprint, entry.RequestFingerprint);
        Assert.Equal("answer lost", entry.Prompt);
    }

    [Fact]
    public async Task A_stop_before_anything_is_sent_sends_nothing()
    {
        await using var h = await EmulatorHarness.StartAsync(e => e.RateLimitGenerate = 1);
        var jobs = Jobs(h);
        h.Fault(EmulatorEndpoints.GenerateVideo, FaultKinds.RateLimit, count: 1, retryAfter: 30);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "x" }, stop.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
        Assert.Equal(0, h.Server.GetStats().Generations);
        Assert.Empty(jobs.Journal.ReadAll());
    }
}
