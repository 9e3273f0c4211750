using System.Diagnostics;

namespace Veo31.Emulator;

/// <summary>One generation request; immutable, its state is a function of the time elapsed since creation.</summary>
internal sealed class Job
{
    public const double PendingShare = 0.2;
    public const string FailureReason = "Video generation failed: the prompt asked for it with a [fail] marker.";

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
    /// <summary>Where the failure reason goes when the job is made to fail; null = the job succeeds.</summary>
    public string? FailField { get; init; }
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
        if (elapsed >= duration)
            return FailField is null ? new JobState(JobStatus.Completed, 100, null) : new JobState(JobStatus.Failed, 100, null);

        var remaining = (int)Math.Ceiling(duration - elapsed);
        if (elapsed < duration * PendingShare) return new JobState(JobStatus.Pending, 0, remaining);

        var processingShare = (elapsed - duration * PendingShare) / (duration * (1 - PendingShare));
        var progress = Math.Clamp((int)Math.Floor(processingShare * 100), 1, 99);
        return new JobState(JobStatus.Processing, progress, remaining);
    }
}

internal static class JobStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

internal readonly record struct JobState(string Status, int Progress, int? EstimatedTime);
