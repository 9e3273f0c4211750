using System.Text;
using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>What a hostile review of the wait engine and the journal found: a failed probe, journals in other encodings.</summary>
public class HostileWaitAndJournalTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-review10-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static WaitOptions Fast() => new() { PollInterval = TimeSpan.FromSeconds(0.2), MaxPollInterval = TimeSpan.FromSeconds(2) };

    // R1: the probe job's first answer is a failure -> Finished() throws after the try, EndProbe is never called,
    // _probing stays true for the whole session and every other un-hinted job waits for a probe that never ends.
    [Fact]
    public async Task a_probe_job_that_failed_does_not_stall_every_other_job_of_the_session()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = new JobService(h.Client, new JobJournal(Path.Combine(_dir, "j.jsonl")));
        var bad = (await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "bad [seconds=0.1] [status=cancelled:nope]" }, CancellationToken.None)).Job!;
        var good = (await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "good [seconds=1]" }, CancellationToken.None)).Job!;
        await Task.Delay(300);
        // As Get-VeoVideo -Pending | Wait-VeoVideo hands them over: submitted time known, never checked.
        var badWait = jobs.WaitAsync(new WaitRequest(bad.Uuid) { Submitted = DateTimeOffset.UtcNow.AddSeconds(-1) }, Fast(), _ => { }, CancellationToken.None);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var goodWait = jobs.WaitAsync(new WaitRequest(good.Uuid) { Submitted = DateTimeOffset.UtcNow.AddSeconds(-1) }, Fast(), _ => { }, limit.Token);
        var ex = await Assert.ThrowsAsync<VeoException>(() => badWait);
        Assert.Equal(VeoErrorKind.GenerationFailed, ex.Kind);
        // Should complete in about a second; on the reviewed code it is still waiting for the probe after 15 s.
        var done = await goodWait;
        Assert.Equal(VideoStatus.Completed, done.Status);
    }

    // R1b: same, with the probe refused as "completed without videoUrl" too often (InvalidResponse thrown from Finished()).
    [Fact]
    public async Task a_probe_job_refused_for_a_missing_videoUrl_does_not_stall_the_others()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = new JobService(h.Client, new JobJournal(Path.Combine(_dir, "j.jsonl")));
        var bad = (await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "bad [seconds=0.1] [nourl=1000]" }, CancellationToken.None)).Job!;
        var good = (await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "good [seconds=1]" }, CancellationToken.None)).Job!;
        await Task.Delay(300);
        var options = Fast();
        options.MaxCompletedWithoutUrl = 0;
        var badWait = jobs.WaitAsync(new WaitRequest(bad.Uuid) { Submitted = DateTimeOffset.UtcNow.AddSeconds(-1) }, options, _ => { }, CancellationToken.None);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var goodWait = jobs.WaitAsync(new WaitRequest(good.Uuid) { Submitted = DateTimeOffset.UtcNow.AddSeconds(-1) }, options, _ => { }, limit.Token);
        await Assert.ThrowsAsync<VeoException>(() => badWait);
        var done = await goodWait;
        Assert.Equal(VideoStatus.Completed, done.Status);
    }

    // R2: a journal saved with a UTF-8 BOM (Windows PowerShell 5.1: Set-Content/Out-File -Encoding UTF8) was readable
    // before (StreamReader detects BOMs); the new fold decodes raw bytes, so the first record is lost.
    [Fact]
    public void a_journal_with_a_utf8_bom_still_shows_its_first_job()
    {
        string path = Path.Combine(_dir, "bom.jsonl");
        File.WriteAllText(path,
            "{\"event\":\"submitted\",\"uuid\":\"paid-1\",\"at\":\"2025-01-01T00:00:00Z\",\"prompt\":\"a\",\"status\":\"pending\"}\r\n" +
            "{\"event\":\"submitted\",\"uuid\":\"paid-2\",\"at\":\"2025-01-01T00:00:01Z\",\"prompt\":\"b\",\"status\":\"pending\"}\r\n",
            new UTF8Encoding(true));
        var uuids = new JobJournal(path).ReadAll().Select(e => e.Uuid).ToList();
        output.WriteLine("read: " + string.Join(",", uuids));
        Assert.Contains("paid-1", uuids);
        Assert.Contains("paid-2", uuids);
    }

    // R3: a journal saved as UTF-16 (Windows PowerShell 5.1 Out-File / '>' default) was readable before; now every line is
    // unreadable, every line still counts toward compaction, and the first compaction deletes them: paid uuids are gone.
    [Fact]
    public void compaction_never_deletes_records_it_could_not_read()
    {
        string path = Path.Combine(_dir, "utf16.jsonl");
        var text = new StringBuilder();
        for (int i = 0; i < 300; i++)
            text.Append("{\"event\":\"submitted\",\"uuid\":\"paid-" + i + "\",\"at\":\"2025-01-01T00:00:00Z\",\"prompt\":\"p\",\"status\":\"pending\"}\r\n");
        File.WriteAllText(path, text.ToString(), new UnicodeEncoding(false, true));
        long before = new FileInfo(path).Length;
        var journal = new JobJournal(path);
        output.WriteLine("entries read before: " + journal.ReadAll().Count);
        journal.RecordSubmitted(new VideoJobInfo { Uuid = "new-1", Status = VideoStatus.Pending }, new GenerateVideoRequest { Prompt = "new" });
        string after = File.ReadAllText(path); // detects the BOM if it survived
        output.WriteLine($"bytes before {before}, after {new FileInfo(path).Length}; contains paid-7: {after.Contains("paid-7")}");
        Assert.Contains("paid-7", after);
        // Read, converted to UTF-8 before the append, every paid uuid kept.
        Assert.Equal(301, new JobJournal(path).ReadAll().Count);
        Assert.Equal((byte)'{', File.ReadAllBytes(path)[0]);
    }

    // R4: the same for lines this release cannot read but a newer/older one could (an unknown event kind, valid JSON).
    [Fact]
    public void compaction_keeps_lines_of_kinds_it_does_not_know()
    {
        string path = Path.Combine(_dir, "future.jsonl");
        var journal = new JobJournal(path);
        File.AppendAllText(path, "{\"event\":\"submitted_v2\",\"uuid\":\"paid-by-a-newer-module\",\"at\":\"2025-01-01T00:00:00Z\"}\n");
        journal.RecordSubmitted(new VideoJobInfo { Uuid = "u0", Status = VideoStatus.Pending }, new GenerateVideoRequest { Prompt = "x" });
        // One job flapping between two unknown words: 300 real changes, so the journal compacts.
        for (int i = 0; i < 300; i++)
            journal.RecordStatus(new VideoJobInfo { Uuid = "u0", Status = VideoStatus.Unknown, RawStatus = i % 2 == 0 ? "queued_v2" : "warming" });
        string after = File.ReadAllText(path);
        output.WriteLine($"lines now {File.ReadAllLines(path).Length}");
        Assert.Contains("paid-by-a-newer-module", after);
    }

    // Review 13: a store that fails with something other than a VeoException (a lock released twice threw
    // SynchronizationLockException) took the paid job's answer with it.
    [Fact]
    public async Task A_journal_store_that_fails_unexpectedly_is_reported_beside_the_paid_job_never_instead_of_it()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = new JobService(h.Client, new JobJournal(new ThrowingStore()));
        SubmitResult submitted = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "paid while the journal breaks" }, CancellationToken.None);
        Assert.NotNull(submitted.Job);
        Assert.False(string.IsNullOrEmpty(submitted.Job!.Uuid));
        Assert.Equal(VeoErrorKind.StorageFailed, submitted.JournalError?.Kind);
        Assert.IsType<InvalidOperationException>(submitted.JournalError!.InnerException);
    }

    // the read before a paid request (CheckReadable) is journal work like every other, but it is outside
    // TryJournal: a store that fails there with anything but a VeoException (a bug, an SDK exception the blob store does not
    // map) escapes SubmitAsync raw, and New-VeoVideo's batch ends on it. Nothing is sent either way; the refusal should be typed.
    [Fact]
    public async Task A_journal_store_that_fails_unexpectedly_on_the_read_before_a_paid_request_refuses_it_with_a_typed_error()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var jobs = new JobService(h.Client, new JobJournal(new UnreadableStore()));
        SubmitResult submitted = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "a fox" }, CancellationToken.None);
        Assert.Null(submitted.Job);
        Assert.Equal(VeoErrorKind.StorageFailed, submitted.Failure?.Kind);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo));
    }

    // CheckReadable takes a journal that is missing for a first run and one whose folder cannot be made (a path
    // under a file here; on Windows an unmapped drive letter, a folder deleted or renamed) alike: nothing to read, so the
    // paid request goes out, and only then does the append find that the journal cannot be locked or written: the uuid is
    // paid for and unrecorded, which is what the check was added to prevent.
    [Fact]
    public async Task A_journal_whose_folder_cannot_be_made_is_found_before_a_paid_request_not_after_it()
    {
        await using var h = await EmulatorHarness.StartAsync();
        File.WriteAllText(Path.Combine(h.TempDir, "file"), "x");
        var jobs = new JobService(h.Client, new JobJournal(Path.Combine(h.TempDir, "file", "journal.jsonl")));
        SubmitResult submitted = await jobs.SubmitAsync(new GenerateVideoRequest { Prompt = "a fox" }, CancellationToken.None);
        Assert.Equal(0, h.Requests(EmulatorEndpoints.GenerateVideo)); // nothing paid for while its uuid cannot be recorded
        Assert.Null(submitted.Job);
        Assert.Equal(VeoErrorKind.UnsafePath, submitted.Failure?.Kind);
    }

    private sealed class UnreadableStore : IJournalStore
    {
        public string Location => "unreadable-store";
        public JournalRead ReadFrom(long offset, int headBytes) => throw new InvalidOperationException("a store bug");
        public IDisposable Lock() => throw new InvalidOperationException("a store bug");
        public long Append(byte[] record, bool durable) => throw new InvalidOperationException("a store bug");
        public void Replace(byte[] contents) => throw new InvalidOperationException("a store bug");
    }

    /// <summary>A store that breaks once the paid request is sent: its first lock (the check before paying) is taken.</summary>
    private sealed class ThrowingStore : IJournalStore
    {
        private int _locks;
        public string Location => "throwing-store";
        public JournalRead ReadFrom(long offset, int headBytes) => new(Array.Empty<byte>(), Array.Empty<byte>(), 0);
        public IDisposable Lock() => Interlocked.Increment(ref _locks) == 1 ? new HeldLock(() => { }) : throw new InvalidOperationException("a store bug");
        public long Append(byte[] record, bool durable) => throw new InvalidOperationException("a store bug");
        public void Replace(byte[] contents) => throw new InvalidOperationException("a store bug");
    }
}
