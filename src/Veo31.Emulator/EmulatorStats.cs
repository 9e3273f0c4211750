namespace Veo31.Emulator;

/// <summary>A snapshot of the emulator's counters, as served by <c>GET /_emulator/stats</c>.</summary>
public sealed class EmulatorStats
{
    /// <summary>Requests per endpoint name (<see cref="EmulatorEndpoints"/>), faulted ones included.</summary>
    public IReadOnlyDictionary<string, long> Requests { get; init; } = new Dictionary<string, long>();
    /// <summary>
    /// Of those, the ones answered with code 1003 per endpoint name: by a rate-limit window (<c>--rate-limit*</c>)
    /// or by a <c>rateLimit</c> fault.
    /// </summary>
    public IReadOnlyDictionary<string, long> RateLimited { get; init; } = new Dictionary<string, long>();
    public long CreditsCharged { get; init; }
    public long Generations { get; init; }
    /// <summary>Generations charged for a request identical to one already charged.</summary>
    public long DuplicateCharges { get; init; }
    /// <summary>Most TCP connections open at once on the API origin.</summary>
    public int PeakConcurrentConnections { get; init; }
    /// <summary>Every Authorization header value the CDN origin received, in arrival order.</summary>
    public IReadOnlyList<string> CdnAuthorizationHeaders { get; init; } = [];
    /// <summary>Every request the recording proxy (<c>--proxy-urls</c>) received, in arrival order; empty without it.</summary>
    public IReadOnlyList<EmulatorProxyRequest> ProxyRequests { get; init; } = [];
    /// <summary>Every Authorization header value a video request on the API's own origin (<c>--video-origin api</c>) received.</summary>
    public IReadOnlyList<string> ApiVideoAuthorizationHeaders { get; init; } = [];
    /// <summary>The file name of every accepted upload, as the multipart parser read it, in arrival order.</summary>
    public IReadOnlyList<string> UploadFileNames { get; init; } = [];
    /// <summary>The SHA-256 (lower-case hex) of every accepted upload's file content as received, in arrival order.</summary>
    public IReadOnlyList<string> UploadSha256s { get; init; } = [];
    /// <summary>Versions of a changing video (<c>--changing-video</c>) served so far: the last version number.</summary>
    public int VideoVersionsServed { get; init; }
}
