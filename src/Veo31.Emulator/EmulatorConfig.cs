namespace Veo31.Emulator;

/// <summary>The settings that can change while the emulator runs (<c>POST /_emulator/config</c>).</summary>
public sealed record EmulatorConfig
{
    public double JobSeconds { get; init; }
    public int RateLimit { get; init; }
    public int RateLimitStatus { get; init; }
    public int RateLimitGenerate { get; init; }
    public int RateLimitUpload { get; init; }
    public int RetryAfter { get; init; }
    public string EstimatedTime { get; init; } = EstimatedTimeModes.Exact;
    public string Progress { get; init; } = ProgressModes.Exact;
    public long MaxUploadBytes { get; init; }
    public int MaxPromptLength { get; init; }
    public long VideoBytes { get; init; }
    public bool ErrorsHttp200 { get; init; }
    public string Gzip { get; init; } = TransferModes.GzipJson;
    public string ChangingVideo { get; init; } = TransferModes.Off;
    public bool IgnoreIfRange { get; init; }
    public string VideoOrigin { get; init; } = TransferModes.OriginCdn;
    public bool StrictMultipart { get; init; } = true;
    public int LatencyMs { get; init; }
    public int LatencyJitterMs { get; init; }

    internal static EmulatorConfig From(EmulatorOptions options) => new()
    {
        JobSeconds = options.JobSeconds,
        RateLimit = options.RateLimit,
        RateLimitStatus = options.RateLimitStatus,
        RateLimitGenerate = options.RateLimitGenerate,
        RateLimitUpload = options.RateLimitUpload,
        RetryAfter = options.RetryAfter,
        EstimatedTime = options.EstimatedTime,
        Progress = options.Progress,
        MaxUploadBytes = options.MaxUploadBytes,
        MaxPromptLength = options.MaxPromptLength,
        VideoBytes = options.VideoBytes,
        ErrorsHttp200 = options.ErrorsHttp200,
        Gzip = options.Gzip,
        ChangingVideo = options.ChangingVideo,
        IgnoreIfRange = options.IgnoreIfRange,
        VideoOrigin = options.VideoOrigin,
        StrictMultipart = options.StrictMultipart,
        LatencyMs = options.LatencyMs,
        LatencyJitterMs = options.LatencyJitterMs,
    };

    internal EmulatorConfig With(EmulatorConfigPatch patch)
    {
        var next = this with
        {
            JobSeconds = patch.JobSeconds ?? JobSeconds,
            RateLimit = patch.RateLimit ?? RateLimit,
            RateLimitStatus = patch.RateLimitStatus ?? RateLimitStatus,
            RateLimitGenerate = patch.RateLimitGenerate ?? RateLimitGenerate,
            RateLimitUpload = patch.RateLimitUpload ?? RateLimitUpload,
            RetryAfter = patch.RetryAfter ?? RetryAfter,
            EstimatedTime = patch.EstimatedTime ?? EstimatedTime,
            Progress = patch.Progress ?? Progress,
            MaxUploadBytes = patch.MaxUploadBytes ?? MaxUploadBytes,
            MaxPromptLength = patch.MaxPromptLength ?? MaxPromptLength,
            VideoBytes = patch.VideoBytes ?? VideoBytes,
            ErrorsHttp200 = patch.ErrorsHttp200 ?? ErrorsHttp200,
            Gzip = patch.Gzip ?? Gzip,
            ChangingVideo = patch.ChangingVideo ?? ChangingVideo,
            IgnoreIfRange = patch.IgnoreIfRange ?? IgnoreIfRange,
            VideoOrigin = patch.VideoOrigin ?? VideoOrigin,
            StrictMultipart = patch.StrictMultipart ?? StrictMultipart,
            LatencyMs = patch.LatencyMs ?? LatencyMs,
            LatencyJitterMs = patch.LatencyJitterMs ?? LatencyJitterMs,
        };
        if (!(next.JobSeconds >= 0) || double.IsInfinity(next.JobSeconds)) throw new ArgumentException("jobSeconds must be a non-negative number.");
        if (next.RateLimit < 0 || next.RetryAfter < 0 || next.MaxUploadBytes < 0 || next.VideoBytes < 0)
            throw new ArgumentException("rateLimit, retryAfter, maxUploadBytes and videoBytes must not be negative.");
        if (next.RateLimitStatus < 0 || next.RateLimitGenerate < 0 || next.RateLimitUpload < 0)
            throw new ArgumentException("rateLimitStatus, rateLimitGenerate and rateLimitUpload must not be negative.");
        if (next.LatencyMs < 0 || next.LatencyJitterMs < 0) throw new ArgumentException("latencyMs and latencyJitterMs must not be negative.");
        if (next.MaxPromptLength < 1) throw new ArgumentException("maxPromptLength must be at least 1.");
        ValidateMode(next.EstimatedTime, EstimatedTimeModes.All, "estimatedTime");
        ValidateMode(next.Progress, ProgressModes.All, "progress");
        TransferModes.Check("gzip", next.Gzip, TransferModes.GzipValues);
        TransferModes.Check("changingVideo", next.ChangingVideo, TransferModes.ChangingVideoValues);
        TransferModes.Check("videoOrigin", next.VideoOrigin, TransferModes.VideoOriginValues);
        return next;
    }

    /// <summary>The per-endpoint limit of <paramref name="endpoint"/> (0 = none), beside the all-endpoints <see cref="RateLimit"/>.</summary>
    internal int RateLimitFor(string endpoint) => endpoint switch
    {
        EmulatorEndpoints.VideoStatus => RateLimitStatus,
        EmulatorEndpoints.GenerateVideo => RateLimitGenerate,
        EmulatorEndpoints.UploadVideoImage => RateLimitUpload,
        _ => 0,
    };

    /// <exception cref="ArgumentException"><paramref name="value"/> is not one of <paramref name="modes"/>.</exception>
    internal static void ValidateMode(string? value, IReadOnlyList<string> modes, string name)
    {
        if (value is null || !modes.Contains(value))
            throw new ArgumentException($"{name} must be one of {string.Join(", ", modes)} (got '{value}').");
    }
}

/// <summary>A partial update of <see cref="EmulatorConfig"/>; null members stay as they are.</summary>
public sealed class EmulatorConfigPatch
{
    public double? JobSeconds { get; set; }
    public int? RateLimit { get; set; }
    public int? RateLimitStatus { get; set; }
    public int? RateLimitGenerate { get; set; }
    public int? RateLimitUpload { get; set; }
    public int? RetryAfter { get; set; }
    /// <summary>One of <see cref="EstimatedTimeModes"/>.</summary>
    public string? EstimatedTime { get; set; }
    /// <summary>One of <see cref="ProgressModes"/>.</summary>
    public string? Progress { get; set; }
    public long? MaxUploadBytes { get; set; }
    public int? MaxPromptLength { get; set; }
    public long? VideoBytes { get; set; }
    public bool? ErrorsHttp200 { get; set; }
    public string? Gzip { get; set; }
    public string? ChangingVideo { get; set; }
    public bool? IgnoreIfRange { get; set; }
    public string? VideoOrigin { get; set; }
    public bool? StrictMultipart { get; set; }
    public int? LatencyMs { get; set; }
    public int? LatencyJitterMs { get; set; }
}
