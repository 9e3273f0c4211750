using System.Text;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The source image of a job in the journal: written with the submission, kept by compaction, absent from old lines.</summary>
public class SourceImageJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string JournalPath => Path.Combine(_dir, "journal.jsonl");

    private static SourceImageInfo Source() => new()
    {
        Path = "/images/beach \"1\".png", Name = "beach \"1\".png", Sha256 = new string('a', 64), Length = 1234,
    };

    private static void AssertSource(SourceImageInfo? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal("/images/beach \"1\".png", actual!.Path);
        Assert.Equal("beach \"1\".png", actual.Name);
        Assert.Equal(new string('a', 64), actual.Sha256);
        Assert.Equal(1234, actual.Length);
    }

    [Fact]
    public void A_submitted_job_keeps_its_source_image_in_the_fields_the_design_names()
    {
        var journal = new JobJournal(JournalPath);
        var request = new GenerateVideoRequest { Prompt = "p", ImageKey = "k", ImageUrl = "http://127.0.0.1/i.png", SourceImage = Source() };
        journal.RecordSubmitted(new VideoJobInfo { Uuid = "u1", Status = VideoStatus.Pending }, request);

        AssertSource(new JobJournal(JournalPath).Find("u1")!.SourceImage);
        string line = File.ReadAllText(JournalPath);
        foreach (string field in new[] { "\"sourcePath\"", "\"sourceName\"", "\"sourceSha256\"", "\"sourceLength\":1234" })
            Assert.Contains(field, line);
    }

    [Fact]
    public void A_lost_answer_keeps_its_source_image()
    {
        var journal = new JobJournal(JournalPath);
        journal.RecordOutcomeUnknown(new GenerateVideoRequest { Prompt = "p", ImageKey = "k", SourceImage = Source() }, "fp", "lost");

        AssertSource(Assert.Single(new JobJournal(JournalPath).ReadAll()).SourceImage);
    }

    [Fact]
    public void Compaction_keeps_the_source_image()
    {
        var entry = new JournalEntry { Uuid = "u1", Prompt = "p", SourceImage = Source(), LastStatus = VideoStatus.Completed };
        byte[] snapshot = JournalRecordCodec.Snapshot(new[] { entry }, "g", DateTimeOffset.UtcNow);
        var fold = new JournalFold();
        foreach (string line in Encoding.UTF8.GetString(snapshot).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(JournalRecordCodec.FoldInto(line, fold));

        AssertSource(fold.Find("u1")!.SourceImage);
    }

    [Fact]
    public void A_line_of_an_older_release_without_source_fields_still_reads()
    {
        File.WriteAllText(JournalPath,
            "{\"event\":\"submitted\",\"uuid\":\"old1\",\"at\":\"2025-10-16T10:00:00Z\",\"prompt\":\"p\",\"generationType\":\"image_to_video\",\"imageKey\":\"k\"}\n");

        JournalEntry entry = new JobJournal(JournalPath).Find("old1")!;
        Assert.Equal("p", entry.Prompt);
        Assert.Equal("k", entry.ImageKey);
        Assert.Null(entry.SourceImage);
    }

    [Fact]
    public void A_status_line_after_the_submission_does_not_drop_the_source_image()
    {
        var journal = new JobJournal(JournalPath);
        journal.RecordSubmitted(new VideoJobInfo { Uuid = "u1", Status = VideoStatus.Pending },
            new GenerateVideoRequest { Prompt = "p", ImageKey = "k", SourceImage = Source() });
        journal.RecordStatus(new VideoJobInfo { Uuid = "u1", Status = VideoStatus.Completed, VideoUrl = "http://127.0.0.1/v.mp4" });
        journal.RecordSaved("u1", "/videos/v.mp4");

        AssertSource(new JobJournal(JournalPath).Find("u1")!.SourceImage);
    }
}
