using Veo31.Core.Journal;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The journal stays small and true: a status only when it changed (whoever wrote last), compaction, gone and lost answers.</summary>
public class JournalPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-journal-policy-").FullName;
    private string JournalPath => Path.Combine(_dir, "journal.jsonl");

    public void Dispose() => Directory.Delete(_dir, true);

    private static VideoJobInfo Job(string uuid, VideoStatus status, string? url = null, string? raw = null)
        => new() { Uuid = uuid, Status = status, RawStatus = raw ?? status.ToString().ToLowerInvariant(), VideoUrl = url };

    [Fact]
    public void Ten_runs_that_only_re_read_unchanged_statuses_leave_the_journal_the_same_size()
    {
        var first = new JobJournal(JournalPath);
        for (int i = 0; i < 20; i++)
        {
            first.RecordSubmitted(Job("u" + i, VideoStatus.Pending), new GenerateVideoRequest { Prompt = "p" + i });
            first.RecordStatus(Job("u" + i, i % 2 == 0 ? VideoStatus.Completed : VideoStatus.Processing, i % 2 == 0 ? "http://cdn/u" + i : null));
        }
        long size = new FileInfo(JournalPath).Length;
        for (int run = 0; run < 10; run++)
        {
            // A fresh instance knows nothing in memory, like a new process.
            var again = new JobJournal(JournalPath);
            for (int i = 0; i < 20; i++)
                Assert.False(again.RecordStatus(Job("u" + i, i % 2 == 0 ? VideoStatus.Completed : VideoStatus.Processing, i % 2 == 0 ? "http://cdn/u" + i : null)));
        }
        Assert.Equal(size, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public void A_change_is_recorded_once_whichever_writer_saw_it_first()
    {
        var a = new JobJournal(JournalPath);
        var b = new JobJournal(JournalPath);
        a.RecordSubmitted(Job("u1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "x" });
        Assert.True(a.RecordStatus(Job("u1", VideoStatus.Processing)));
        Assert.False(b.RecordStatus(Job("u1", VideoStatus.Processing)));
        Assert.True(b.RecordStatus(Job("u1", VideoStatus.Completed, "http://cdn/1")));
        Assert.False(a.RecordStatus(Job("u1", VideoStatus.Completed, "http://cdn/1")));
        Assert.Equal(3, File.ReadAllLines(JournalPath).Length);
    }

    [Fact]
    public void An_unknown_status_keeps_its_own_word_and_a_change_of_word_is_a_change()
    {
        var journal = new JobJournal(JournalPath);
        Assert.True(journal.RecordStatus(Job("u1", VideoStatus.Unknown, raw: "queued_v2")));
        Assert.False(journal.RecordStatus(Job("u1", VideoStatus.Unknown, raw: "queued_v2")));
        Assert.True(journal.RecordStatus(Job("u1", VideoStatus.Unknown, raw: "warming_up")));
        Assert.Equal("warming_up", journal.Find("u1")!.RawStatus);
        Assert.True(journal.Find("u1")!.IsPending);
    }

    [Fact]
    public void The_journal_compacts_itself_when_it_holds_far_more_lines_than_jobs_and_keeps_every_fact()
    {
        var journal = new JobJournal(JournalPath);
        var stale = new JobJournal(JournalPath);
        journal.RecordSubmitted(Job("keep", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "kept prompt", AspectRatio = "9:16" });
        journal.RecordStatus(Job("keep", VideoStatus.Completed, "http://cdn/keep"));
        journal.RecordSaved("keep", "/videos/keep.mp4");
        journal.RecordSubmitted(Job("lost", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "gone prompt" });
        journal.RecordGone("lost", "no such video");
        journal.RecordOutcomeUnknown(new GenerateVideoRequest { Prompt = "paid, answer lost" }, "abcd1234abcd1234", "connection dropped");
        Assert.Equal(3, stale.ReadAll().Count);

        // A job that flips between two states adds a line each time, until the journal compacts.
        for (int i = 0; i < 400; i++) journal.RecordStatus(Job("flip", i % 2 == 0 ? VideoStatus.Pending : VideoStatus.Processing));
        string[] lines = File.ReadAllLines(JournalPath);
        Assert.True(lines.Length < 300, $"{lines.Length} lines: the journal did not compact");
        Assert.Contains("\"event\":\"journal\"", lines[0]);

        var entries = new JobJournal(JournalPath).ReadAll();
        Assert.Equal(4, entries.Count);
        var keep = entries.Single(e => e.Uuid == "keep");
        Assert.Equal(("kept prompt", "9:16", VideoStatus.Completed, "http://cdn/keep", "/videos/keep.mp4"),
            (keep.Prompt, keep.AspectRatio, keep.LastStatus, keep.VideoUrl, keep.SavedPath));
        Assert.True(entries.Single(e => e.Uuid == "lost").IsGone);
        var unknown = entries.Single(e => e.IsOutcomeUnknown);
        Assert.Equal(("abcd1234abcd1234", "paid, answer lost"), (unknown.RequestFingerprint, unknown.Prompt));
        Assert.Equal(VideoStatus.Processing, entries.Single(e => e.Uuid == "flip").LastStatus);

        // A writer whose view predates the compaction notices it and neither loses nor duplicates anything.
        Assert.Equal(4, stale.ReadAll().Count);
        stale.RecordSubmitted(Job("after", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "after compaction" });
        Assert.Equal(5, new JobJournal(JournalPath).ReadAll().Count);
        Assert.False(stale.RecordStatus(Job("flip", VideoStatus.Processing)));
    }

    [Fact]
    public void A_gone_job_leaves_the_pending_list_and_a_lost_answer_is_listed_but_never_pending()
    {
        var journal = new JobJournal(JournalPath);
        journal.RecordSubmitted(Job("u1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "x" });
        journal.RecordOutcomeUnknown(new GenerateVideoRequest { Prompt = "y" }, "ffff0000ffff0000", "timed out");
        Assert.True(journal.Find("u1")!.IsPending);
        journal.RecordGone("u1", "unknown uuid");
        var entries = journal.ReadAll();
        Assert.Equal(2, entries.Count);
        Assert.DoesNotContain(entries, e => e.IsPending);
        Assert.Equal(string.Empty, entries.Single(e => e.IsOutcomeUnknown).Uuid);
    }

    [Fact]
    public void Uuids_differing_only_in_letter_case_are_one_job()
    {
        var journal = new JobJournal(JournalPath);
        journal.RecordSubmitted(Job("Abc-1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "x" });
        journal.RecordStatus(Job("ABC-1", VideoStatus.Completed, "http://cdn/a"));
        var entry = Assert.Single(journal.ReadAll());
        Assert.Equal(VideoStatus.Completed, entry.LastStatus);
    }
}
