using System.Diagnostics;

namespace Veo31.Emulator;

/// <summary>
/// One generation request. Its state is a function of the time elapsed since creation; the only thing that
/// changes is how many of its <c>[nourl=N]</c> URL omissions have been used.
/// </summary>
internal sealed class Job
{
    public const double PendingShare = 0.2;
    public const string FailureReason = "Video generation failed: the prompt asked for it with a [fail] marker.";

    private long _urlOmissionsUsed;

    public required string Uuid { get; init; }
    public required string ApiKey { get; init; }
    public required string KeyFingerprint { get; init; }
    public required string GenerationType { get; init; }
    public required string Prompt { get; init; }
    public required string AspectRatio { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageKey { get; init; }
    public required string CreatedAt { get; init; }
    public required long StartTimestamp { get; init; }
    public required double DurationSeconds { get; init; }
    /// <summary>Where the failure reason goes when the job is made to fail (<c>[fail]</c>); null = the job succeeds.</summary>
    public string? FailField { get; init; }
    /// <summary>The raw status reported at the end instead of completed/failed (<c>[status=word]</c>).</summary>
    public string? EndStatus { get; init; }
    /// <summary>The reason text of <c>[status=word:reason]</c>.</summary>
    public string? EndReason { get; init; }
    /// <summary>The raw status reported while running instead of pending/processing (<c>[midstatus=word]</c>).</summary>
    public string? MidStatus { get; init; }
    /// <summary>How many completed status answers omit the URL (<c>[nourl=N]</c>).</summary>
    public long UrlOmissions { get; init; }

    private string FinalStatus => EndStatus ?? (FailField is null ? JobStatus.Completed : JobStatus.Failed);

    /// <summary>
    /// The field and text of the reason an ended job carries: with <c>[fail]</c> (the field it names, the standard
    /// text) and with <c>[status=word:reason]</c> (that text, in failReason unless <c>[fail:field]</c> names another).
    /// </summary>
    public (string Field, string Text)? Failure =>
        FailField is null && EndReason is null ? null : (FailField ?? PromptMarkers.DefaultFailField, EndReason ?? FailureText);
    /// <summary>The <c>[escapes]</c> marker: answers about this job carry escape sequences (<see cref="Emulator.HostileText"/>).</summary>
    public bool HostileText { get; init; }

    /// <summary>The envelope msg of a success answer about this job.</summary>
    public string SuccessMessage => HostileText ? "Success" + Emulator.HostileText.Sequences : "Success";

    /// <summary>The reason a failed job gives.</summary>
    public string FailureText => HostileText ? FailureReason + Emulator.HostileText.Sequences + Emulator.HostileText.LongTail : FailureReason;

    public JobState StateAt(long timestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(StartTimestamp, timestamp).TotalSeconds;
        var duration = DurationSeconds;
        if (elapsed >= duration) return new JobState(FinalStatus, 100, null);

        var remaining = duration - elapsed;
        if (elapsed < duration * PendingShare) return new JobState(MidStatus ?? JobStatus.Pending, 0, remaining);

        var processingShare = (elapsed - duration * PendingShare) / (duration * (1 - PendingShare));
        var progress = Math.Clamp((int)Math.Floor(processingShare * 100), 1, 99);
        return new JobState(MidStatus ?? JobStatus.Processing, progress, remaining);
    }

    /// <summary>Uses up one of the <c>[nourl=N]</c> omissions; false once they are all used (or there are none).</summary>
    public bool TryOmitUrl() => UrlOmissions > 0 && Interlocked.Increment(ref _urlOmissionsUsed) <= UrlOmissions;
}

internal static class JobStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>A job's status at one moment; <see cref="RemainingSeconds"/> is null once it has ended.</summary>
internal readonly record struct JobState(string Status, int Progress, double? RemainingSeconds)
{
    public bool HasEnded => RemainingSeconds is null;
}
