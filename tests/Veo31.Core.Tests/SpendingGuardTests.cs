using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Spending caps: a request counts from its reservation; accepted or lost it stays spent, refused it is given back.</summary>
public class SpendingGuardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("veo-spending-").FullName;
    private JobJournal NewJournal() => new(Path.Combine(_dir, "journal.jsonl"));

    public void Dispose() => Directory.Delete(_dir, true);

    private static GenerateVideoRequest Request(string prompt) => new() { Prompt = prompt };

    [Fact]
    public void Requests_on_the_wire_count_against_the_session_cap_until_their_answer()
    {
        var guard = new SpendingGuard(new SpendingLimits(2, null), NewJournal());
        guard.Reserve();
        guard.Reserve();
        var refused = Assert.Throws<VeoException>(() => guard.Reserve());
        Assert.Equal(VeoErrorKind.QuotaExceeded, refused.Kind);
        guard.Settle(charged: false);
        guard.Reserve();
        Assert.Equal(2, guard.Snapshot().SessionSpent);
        Assert.Equal(0, guard.Snapshot().SessionLeft);
    }

    [Fact]
    public void The_daily_cap_counts_paid_journal_entries_of_the_last_24_hours_and_when_the_next_slot_frees()
    {
        JobJournal journal = NewJournal();
        journal.RecordSubmitted(new VideoJobInfo { Uuid = "a" }, Request("a"));
        journal.RecordOutcomeUnknown(Request("lost"), "00112233445566ff", "connection dropped");
        journal.RecordStatus(new VideoJobInfo { Uuid = "looked-up-only", Status = VideoStatus.Completed });
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var guard = new SpendingGuard(new SpendingLimits(null, 3), journal, () => now);
        Assert.Equal(2, guard.Snapshot().DaySpent);
        guard.Reserve();
        var refused = Assert.Throws<VeoException>(() => guard.Reserve());
        Assert.Contains("daily cap of 3", refused.Message);
        Assert.Contains("allowed after", refused.Message);

        // A day later the same journal allows three again.
        now = now.AddHours(24).AddMinutes(1);
        guard.Settle(charged: false);
        Assert.Equal(3, guard.Snapshot().DayLeft);
    }

    [Fact]
    public void No_cap_never_refuses_and_reports_nothing_left_to_count()
    {
        var guard = new SpendingGuard(SpendingLimits.None, NewJournal());
        for (int i = 0; i < 100; i++) guard.Reserve();
        Assert.Null(guard.Snapshot().SessionLeft);
        Assert.Null(guard.Snapshot().DayLeft);
    }

    [Theory]
    [InlineData("12", 12)]
    [InlineData(" 0 ", 0)]
    [InlineData("", null)]
    public void The_daily_cap_from_the_environment_is_a_whole_number(string value, int? expected)
    {
        string? saved = Environment.GetEnvironmentVariable(SpendingLimits.DailyLimitVariable);
        Environment.SetEnvironmentVariable(SpendingLimits.DailyLimitVariable, value);
        try
        {
            Assert.Equal(expected, SpendingLimits.DailyLimitFromEnvironment());
        }
        finally
        {
            Environment.SetEnvironmentVariable(SpendingLimits.DailyLimitVariable, saved);
        }
    }
}
