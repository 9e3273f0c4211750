namespace Veo31.Emulator;

/// <summary>The settings that can change while the emulator runs (<c>POST /_emulator/config</c>).</summary>
public sealed record EmulatorConfig
{
    public double JobSeconds { get; init; }
    public int RateLimit { get; init; }
    public int RetryAfter { get; init; }
    public long MaxUploadBytes { get; init; }
    public int MaxPromptLength { get; init; }
    public long VideoBytes { get; init; }
    public bool ErrorsHttp200 { get; init; }

    internal static EmulatorConfig From(EmulatorOptions options) => new()
    {
        JobSeconds = options.JobSeconds,
        RateLimit = options.RateLimit,
        RetryAfter = options.RetryAfter,
        MaxUploadBytes = options.MaxUploadBytes,
        MaxPromptLength = options.MaxPromptLength,
        VideoBytes = options.VideoBytes,
        ErrorsHttp200 = options.ErrorsHttp200,
    };

    internal EmulatorConfig With(EmulatorConfigPatch patch)
    {
        var next = this with
        {
            JobSeconds = patch.JobSeconds ?? JobSeconds,
            RateLimit = patch.RateLimit ?? RateLimit,
            RetryAfter = patch.RetryAfter ?? RetryAfter,
            MaxUploadBytes = patch.MaxUploadBytes ?? MaxUploadBytes,
            MaxPromptLength = patch.MaxPromptLength ?? MaxPromptLength,
            VideoBytes = patch.VideoBytes ?? VideoBytes,
            ErrorsHttp200 = patch.ErrorsHttp200 ?? ErrorsHttp200,
        };
        if (!(next.JobSeconds >= 0) || double.IsInfinity(next.JobSeconds)) throw new ArgumentException("jobSeconds must be a non-negative number.");
        if (next.RateLimit < 0 || next.RetryAfter < 0 || next.MaxUploadBytes < 0 || next.VideoBytes < 0)
            throw new ArgumentException("rateLimit, retryAfter, maxUploadBytes and videoBytes must not be negative.");
        if (next.MaxPromptLength < 1) throw new ArgumentException("maxPromptLength must be at least 1.");
        return next;
    }
}

/// <summary>A partial update of <see cref="EmulatorConfig"/>; null members stay as they are.</summary>
public sealed class EmulatorConfigPatch
{
    public double? JobSeconds { get; set; }
    public int? RateLimit { get; set; }
    public int? RetryAfter { get; set; }
    public long? MaxUploadBytes { get; set; }
    public int? MaxPromptLength { get; set; }
    public long? VideoBytes { get; set; }
    public bool? ErrorsHttp200 { get; set; }
}
