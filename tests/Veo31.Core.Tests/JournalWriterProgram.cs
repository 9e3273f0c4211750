using Veo31.Core.Journal;
using Veo31.Core.Models;

namespace Veo31.Core.Tests;

/// <summary>
/// Entry point of this test assembly when it is started as a process (the test SDK's generated one is turned off):
/// lets a test run journal writers in separate processes.
/// </summary>
public static class JournalWriterProgram
{
    public const string Marker = "--journal-writer";

    public static int Main(string[] args)
    {
        if (args.Length != 4 || args[0] != Marker) return 2;
        var journal = new JobJournal(args[1]);
        int count = int.Parse(args[3]);
        for (int i = 0; i < count; i++)
        {
            var job = new VideoJobInfo { Uuid = args[2] + "-" + i, Status = VideoStatus.Pending };
            journal.RecordSubmitted(job, new GenerateVideoRequest { Prompt = new string('y', 300) });
        }
        return 0;
    }
}
