using System.Globalization;
using System.Text.Json.Serialization;

namespace Veo31.Emulator;

/// <summary>The fault kinds of docs/emulator.md, spelled as on the wire.</summary>
public static class FaultKinds
{
    public const string Error5000 = "error5000";
    public const string Error5000Http200 = "error5000http200";
    public const string RateLimit = "rateLimit";
    public const string Html502 = "html502";
    public const string Empty503 = "empty503";
    public const string Drop = "drop";
    public const string DropAfter = "dropAfter";
    public const string Delay = "delay";
    /// <summary>The request is acted on (a generation is charged), then its answer is held back <c>delayMs</c>.</summary>
    public const string SlowAfter = "slowAfter";
    /// <summary>The request is acted on, the answer is held back <c>delayMs</c>, then the connection is aborted.</summary>
    public const string SlowAfterDrop = "slowAfterDrop";
    public const string MalformedJson = "malformedJson";
    public const string TruncatedJson = "truncatedJson";
    public const string WrongTypes = "wrongTypes";
    public const string MissingData = "missingData";
    public const string HugeBody = "hugeBody";
    public const string SlowBody = "slowBody";
    public const string BadVideoUrl = "badVideoUrl";
    public const string Redirect = "redirect";
    public const string Truncate = "truncate";
    /// <summary>A completed status answer without its <c>videoUrl</c>.</summary>
    public const string NoVideoUrl = "noVideoUrl";
    /// <summary>A status answer naming another uuid (<c>value</c>, or a new made-up one each time).</summary>
    public const string OtherUuid = "otherUuid";
    /// <summary>A status answer naming the asked uuid in upper case.</summary>
    public const string UpperCaseUuid = "upperCaseUuid";
    public const string Gzip = "gzip";
    public const string LyingGzip = "lyingGzip";
    public const string EscapeText = "escapeText";

    public static readonly IReadOnlyList<string> All =
    [
        Error5000, Error5000Http200, RateLimit, Html502, Empty503, Drop, DropAfter, Delay, SlowAfter, SlowAfterDrop, MalformedJson,
        TruncatedJson, WrongTypes, MissingData, HugeBody, SlowBody, BadVideoUrl, Redirect, Truncate,
        NoVideoUrl, OtherUuid, UpperCaseUuid, Gzip, LyingGzip, EscapeText,
    ];

    /// <summary>The kinds the status endpoint applies to its own answer (so only <c>video-status</c> or <c>*</c> rules).</summary>
    public static readonly IReadOnlyList<string> StatusAnswerKinds = [BadVideoUrl, NoVideoUrl, OtherUuid, UpperCaseUuid];

    /// <summary>Of <see cref="StatusAnswerKinds"/>, those that only hit an answer carrying a <c>videoUrl</c>.</summary>
    public static readonly IReadOnlyList<string> VideoUrlKinds = [BadVideoUrl, NoVideoUrl];
}

/// <summary>The endpoint names used by fault rules and request stats.</summary>
public static class EmulatorEndpoints
{
    public const string GenerateVideo = "generate-video";
    public const string VideoStatus = "video-status";
    public const string UploadVideoImage = "upload-video-image";
    public const string CdnVideo = "cdn-video";
    public const string CdnImage = "cdn-image";
    public const string Any = "*";

    public static readonly IReadOnlyList<string> All = [GenerateVideo, VideoStatus, UploadVideoImage, CdnVideo, CdnImage];
}

/// <summary>One fault-injection rule: <c>{ endpoint, kind, rate, count, delayMs, retryAfter, value }</c>.</summary>
public sealed class FaultRule
{
    private int _hits;

    public string Endpoint { get; set; } = EmulatorEndpoints.Any;
    public string Kind { get; set; } = FaultKinds.Error5000;
    /// <summary>Chance (0..1) that a request to the endpoint is hit.</summary>
    public double Rate { get; set; } = 1.0;
    /// <summary>Most requests the rule hits; null = unlimited.</summary>
    public int? Count { get; set; }
    public int DelayMs { get; set; }
    public int RetryAfter { get; set; } = 1;
    /// <summary>The URL of <c>badVideoUrl</c> and <c>redirect</c>; the uuid of <c>otherUuid</c>; <c>cut</c> for <c>gzip</c>.</summary>
    public string? Value { get; set; }

    /// <summary>Requests this rule has hit so far (read-only on the wire).</summary>
    public int Hits { get => Volatile.Read(ref _hits); init => _hits = value; }

    [JsonIgnore]
    internal bool IsExhausted => Count is { } count && Volatile.Read(ref _hits) >= count;

    /// <summary>Claims one hit; false when the count is already used up (another thread may have taken the last).</summary>
    internal bool TryClaimHit()
    {
        var after = Interlocked.Increment(ref _hits);
        if (Count is { } count && after > count)
        {
            Interlocked.Decrement(ref _hits);
            return false;
        }
        return true;
    }

    /// <exception cref="ArgumentException">An unknown endpoint or kind, or a rate outside 0..1.</exception>
    public void Validate()
    {
        if (Endpoint != EmulatorEndpoints.Any && !EmulatorEndpoints.All.Contains(Endpoint))
            throw new ArgumentException($"Unknown fault endpoint '{Endpoint}'; expected one of {string.Join(", ", EmulatorEndpoints.All)} or *.");
        if (!FaultKinds.All.Contains(Kind))
            throw new ArgumentException($"Unknown fault kind '{Kind}'; expected one of {string.Join(", ", FaultKinds.All)}.");
        if (FaultKinds.StatusAnswerKinds.Contains(Kind) && Endpoint != EmulatorEndpoints.Any && Endpoint != EmulatorEndpoints.VideoStatus)
            throw new ArgumentException($"Fault kind '{Kind}' changes status answers; its endpoint must be {EmulatorEndpoints.VideoStatus} or *.");
        if (!(Rate >= 0 && Rate <= 1)) throw new ArgumentException($"Fault rate must be between 0 and 1 (got {Rate}).");
        if (Count is < 0) throw new ArgumentException("Fault count must not be negative.");
        if (DelayMs < 0) throw new ArgumentException("Fault delayMs must not be negative.");
        if (RetryAfter < 0) throw new ArgumentException("Fault retryAfter must not be negative.");
    }

    /// <summary>
    /// Parses <c>endpoint:kind:rate[:count[:value]]</c> rules separated by <c>;</c>. The optional value is
    /// the URL of <c>badVideoUrl</c>/<c>redirect</c> (it may contain colons), the uuid of <c>otherUuid</c>,
    /// the milliseconds of <c>delay</c> and the seconds of <c>rateLimit</c>; an empty count means unlimited.
    /// </summary>
    public static IEnumerable<FaultRule> ParseList(string text)
    {
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return Parse(part);
    }

    public static FaultRule Parse(string text)
    {
        var parts = text.Split(':', 5);
        if (parts.Length < 3) throw new ArgumentException($"Fault rule '{text}' must look like endpoint:kind:rate[:count[:value]].");
        var rule = new FaultRule { Endpoint = parts[0].Trim(), Kind = parts[1].Trim() };
        if (!double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
            throw new ArgumentException($"Fault rule '{text}': rate '{parts[2]}' is not a number.");
        rule.Rate = rate;
        if (parts.Length > 3 && parts[3].Length > 0)
        {
            if (!int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
                throw new ArgumentException($"Fault rule '{text}': count '{parts[3]}' is not a whole number.");
            rule.Count = count;
        }
        var value = parts.Length > 4 ? parts[4] : null;
        switch (rule.Kind)
        {
            case FaultKinds.Delay:
            case FaultKinds.SlowAfter:
            case FaultKinds.SlowAfterDrop:
                rule.DelayMs = value is null ? 1000 : int.Parse(value, CultureInfo.InvariantCulture);
                break;
            case FaultKinds.RateLimit:
                if (value is not null) rule.RetryAfter = int.Parse(value, CultureInfo.InvariantCulture);
                break;
            default:
                rule.Value = value;
                break;
        }
        rule.Validate();
        return rule;
    }

    internal bool Matches(string endpoint) => Endpoint == EmulatorEndpoints.Any || Endpoint == endpoint;

    public override string ToString() => $"{Endpoint}:{Kind}:{Rate.ToString(CultureInfo.InvariantCulture)}{(Count is { } c ? ":" + c : "")}";
}
