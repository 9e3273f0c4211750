using System.Diagnostics;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

public class JobJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private JobJournal NewJournal() => new(Path.Combine(_dir, "nested", "journal.jsonl"));

    private static VideoJobInfo Job(string uuid, VideoStatus status, string? url = null, string? reason = null)
        => new() { Uuid = uuid, Status = status, RawStatus = status.ToString().ToLowerInvariant(), VideoUrl = url, FailureReason = reason };

    [Fact]
    public void Default_path_honours_VEO_JOURNAL_and_falls_back_to_local_app_data()
    {
        string? saved = Environment.GetEnvironmentVariable(JobJournal.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(JobJournal.EnvironmentVariable, Path.Combine(_dir, "custom.jsonl"));
            Assert.Equal(Path.Combine(_dir, "custom.jsonl"), JobJournal.DefaultPath);
            Environment.SetEnvironmentVariable(JobJournal.EnvironmentVariable, null);
            Assert.EndsWith(Path.Combine("Veo31", "journal.jsonl"), JobJournal.DefaultPath);
            Assert.True(Path.IsPathRooted(JobJournal.DefaultPath));
        }
        finally
        {
            Environment.SetEnvironmentVariable(JobJournal.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void Empty_or_missing_journal_reads_as_nothing()
        => Assert.Empty(NewJournal().ReadAll());

    [Fact]
    public void Records_fold_by_uuid_and_the_last_status_wins()
    {
        var journal = NewJournal();
        var request = new GenerateVideoRequest { Prompt = "a cat", AspectRatio = "16:9", ImageKey = "k1" };
        journal.RecordSubmitted(Job("u1", VideoStatus.Pending), request);
        journal.RecordSubmitted(Job("u2", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "a dog" });
        journal.RecordStatus(Job("u1", VideoStatus.Processing));
        journal.RecordStatus(Job("u1", VideoStatus.Completed, url: "http://cdn/u1.mp4"));
        journal.RecordStatus(Job("u2", VideoStatus.Failed, reason: "policy"));
        journal.RecordSaved("u1", "/videos/u1.mp4");

        var entries = journal.ReadAll();
        Assert.Equal(new[] { "u1", "u2" }, entries.Select(e => e.Uuid));
        var u1 = entries[0];
        Assert.Equal("a cat", u1.Prompt);
        Assert.Equal("16:9", u1.AspectRatio);
        Assert.Equal("image_to_video", u1.GenerationType);
        Assert.Equal("k1", u1.ImageKey);
        Assert.Equal(VideoStatus.Completed, u1.LastStatus);
        Assert.Equal("http://cdn/u1.mp4", u1.VideoUrl);
        Assert.Equal("/videos/u1.mp4", u1.SavedPath);
        Assert.False(u1.IsPending);
        Assert.NotNull(u1.LastChecked);
        Assert.True(u1.Submitted > DateTimeOffset.UtcNow.AddMinutes(-1));
        var u2 = entries[1];
        Assert.Equal(VideoStatus.Failed, u2.LastStatus);
        Assert.Equal("policy", u2.FailureReason);
        Assert.Equal("text_to_video", u2.GenerationType);
    }

    [Fact]
    public void A_submitted_job_is_pending()
    {
        var journal = NewJournal();
        journal.RecordSubmitted(Job("u1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "p" });
        Assert.True(journal.ReadAll().Single().IsPending);
    }

    [Fact]
    public void Corrupt_and_partial_lines_are_skipped()
    {
        var journal = NewJournal();
        journal.RecordSubmitted(Job("u1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = "p" });
        File.AppendAllText(journal.Path, "garbage line\n{\"event\":\"status\",\"uuid\":42}\n[1,2]\n\n{\"event\":\"status\",\"uuid\":\"u1\",\"stat");
        journal.RecordStatus(Job("u1", VideoStatus.Completed, url: "http://cdn/u1.mp4"));

        var entry = Assert.Single(journal.ReadAll());
        Assert.Equal(VideoStatus.Completed, entry.LastStatus);
        Assert.Equal("http://cdn/u1.mp4", entry.VideoUrl);
    }

    [Fact]
    public void Prompts_with_newlines_and_quotes_round_trip()
    {
        var journal = NewJournal();
        const string prompt = "line one\nline \"two\"\t<tag> & ünïcode 🎬";
        journal.RecordSubmitted(Job("u1", VideoStatus.Pending), new GenerateVideoRequest { Prompt = prompt });
        Assert.Equal(prompt, journal.ReadAll().Single().Prompt);
        Assert.Single(File.ReadAllLines(journal.Path));
    }

    [Fact]
    public void Many_threads_writing_at_once_lose_nothing()
    {
        var journal = NewJournal();
        const int threads = 16, perThread = 50;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            // Separate instances on the same file, as separate sessions would have.
            var own = new JobJournal(journal.Path);
            for (int i = 0; i < perThread; i++)
            {
                string uuid = $"t{t}-{i}";
                own.RecordSubmitted(Job(uuid, VideoStatus.Pending), new GenerateVideoRequest { Prompt = new string('x', 500) + uuid });
                own.RecordStatus(Job(uuid, VideoStatus.Completed));
            }
        });

        Assert.Equal(threads * perThread * 2, File.ReadAllLines(journal.Path).Length);
        var entries = journal.ReadAll();
        Assert.Equal(threads * perThread, entries.Count);
        Assert.All(entries, e => Assert.Equal(VideoStatus.Completed, e.LastStatus));
    }

    [Fact]
    public void Two_processes_writing_at_once_lose_nothing()
    {
        string path = Path.Combine(_dir, "shared.jsonl");
        const int perProcess = 200;
        string coreDll = typeof(JobJournal).Assembly.Location;
        var children = Enumerable.Range(0, 2).Select(p => StartWriterProcess(coreDll, path, "p" + p, perProcess)).ToList();
        foreach (var child in children)
        {
            Assert.True(child.WaitForExit(60_000), "writer process did not finish");
            Assert.True(child.ExitCode == 0, child.StandardError.ReadToEnd());
        }
        var entries = new JobJournal(path).ReadAll();
        Assert.Equal(2 * perProcess, entries.Count);
        Assert.Equal(2 * perProcess, File.ReadAllLines(path).Length);
    }

    /// <summary>Runs this test assembly again as a program (its Main is JournalWriterProgram) in a separate process.</summary>
    private static Process StartWriterProcess(string coreDll, string journalPath, string prefix, int count)
    {
        string helper = typeof(JournalWriterProgram).Assembly.Location;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string runtimeConfig = Path.ChangeExtension(helper, ".runtimeconfig.json");
        string deps = Path.ChangeExtension(helper, ".deps.json");
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add("--runtimeconfig");
        info.ArgumentList.Add(runtimeConfig);
        if (File.Exists(deps))
        {
            info.ArgumentList.Add("--depsfile");
            info.ArgumentList.Add(deps);
        }
        info.ArgumentList.Add(helper);
        info.ArgumentList.Add(JournalWriterProgram.Marker);
        info.ArgumentList.Add(journalPath);
        info.ArgumentList.Add(prefix);
        info.ArgumentList.Add(count.ToString());
        return Process.Start(info)!;
    }
}
