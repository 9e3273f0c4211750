using System.Globalization;
using System.Net;

namespace Veo31.Emulator;

/// <summary>The emulator's start options; one property per command-line option of docs/emulator.md.</summary>
public sealed class EmulatorOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:0";
    public string CdnUrls { get; set; } = "http://127.0.0.1:0";
    public IList<string> Keys { get; set; } = new List<string> { "veo-emulator-key" };
    public long Credits { get; set; } = 1000;
    public double JobSeconds { get; set; } = 3;
    /// <summary>Requests per second per key over all endpoints together; 0 = none.</summary>
    public int RateLimit { get; set; }
    /// <summary>Status requests per second per key, in a window of their own; 0 = none.</summary>
    public int RateLimitStatus { get; set; }
    /// <summary>Generate requests per second per key, in a window of their own; 0 = none.</summary>
    public int RateLimitGenerate { get; set; }
    /// <summary>Upload requests per second per key, in a window of their own; 0 = none.</summary>
    public int RateLimitUpload { get; set; }
    public int RetryAfter { get; set; } = 1;
    /// <summary>One of <see cref="EstimatedTimeModes"/>.</summary>
    public string EstimatedTime { get; set; } = EstimatedTimeModes.Exact;
    /// <summary>One of <see cref="ProgressModes"/>.</summary>
    public string Progress { get; set; } = ProgressModes.Exact;
    public long MaxUploadBytes { get; set; } = 52_428_800;
    public int MaxPromptLength { get; set; } = 2000;
    public long VideoBytes { get; set; }
    public bool ErrorsHttp200 { get; set; }
    public IList<FaultRule> Faults { get; set; } = new List<FaultRule>();
    public int? Seed { get; set; }
    /// <summary>Stop when this process exits (so a test run never leaves an emulator behind).</summary>
    public int? ParentProcessId { get; set; }
    /// <summary>Where the recording forward proxy listens (e.g. <c>http://127.0.0.1:0</c>); null = no proxy.</summary>
    public string? ProxyUrls { get; set; }
    /// <summary><c>user:password</c> the proxy requires as Basic Proxy-Authorization (407 otherwise); null = none.</summary>
    public string? ProxyRequireAuth { get; set; }
    /// <summary>Compress answers whose request accepts gzip: <c>off</c>, <c>json</c> (API answers) or <c>all</c> (also CDN files).</summary>
    public string Gzip { get; set; } = TransferModes.GzipJson;
    /// <summary>Every video request gets a new version of the file: <c>off</c>, <c>etag</c>, <c>last-modified</c> or <c>none</c> (no validator).</summary>
    public string ChangingVideo { get; set; } = TransferModes.Off;
    /// <summary>The CDN honours Range whatever If-Range says (as some CDNs do).</summary>
    public bool IgnoreIfRange { get; set; }
    /// <summary>Where completed jobs' videoUrl points: <c>cdn</c> or <c>api</c> (a path on the API's own origin).</summary>
    public string VideoOrigin { get; set; } = TransferModes.OriginCdn;
    /// <summary>/upload-video-image refuses form parts RFC 7578 does not allow (filename*, unquoted values).</summary>
    public bool StrictMultipart { get; set; } = true;
    /// <summary>Milliseconds every API request waits before it is handled, as a real link's round trip; 0 = none.</summary>
    public int LatencyMs { get; set; }
    /// <summary>Up to this many more milliseconds of latency, drawn per request (seeded by <see cref="Seed"/>); 0 = none.</summary>
    public int LatencyJitterMs { get; set; }

    /// <summary>Parses <c>--name value</c> pairs (also <c>--name=value</c>; a bare <c>--errors-http200</c> means true).</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static EmulatorOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new EmulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{arg}'; options look like --name value.");
            string name;
            string? value = null;
            var equals = arg.IndexOf('=');
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    value = args[++i];
            }
            options.Apply(name.ToLowerInvariant(), value);
        }
        options.Validate();
        return options;
    }

    private void Apply(string name, string? value)
    {
        if (name == "errors-http200")
        {
            ErrorsHttp200 = value is null || ParseBool(name, value);
            return;
        }
        if (value is null) throw new ArgumentException($"Option --{name} needs a value.");
        switch (name)
        {
            case "urls": Urls = value; break;
            case "cdn-urls": CdnUrls = value; break;
            case "keys":
                Keys = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                break;
            case "credits": Credits = ParseLong(name, value); break;
            case "job-seconds": JobSeconds = ParseDouble(name, value); break;
            case "rate-limit": RateLimit = (int)ParseLong(name, value); break;
            case "rate-limit-status": RateLimitStatus = (int)ParseLong(name, value); break;
            case "rate-limit-generate": RateLimitGenerate = (int)ParseLong(name, value); break;
            case "rate-limit-upload": RateLimitUpload = (int)ParseLong(name, value); break;
            case "retry-after": RetryAfter = (int)ParseLong(name, value); break;
            case "estimated-time": EstimatedTime = value; break;
            case "progress": Progress = value; break;
            case "max-upload-bytes": MaxUploadBytes = ParseLong(name, value); break;
            case "max-prompt-length": MaxPromptLength = (int)ParseLong(name, value); break;
            case "video-bytes": VideoBytes = ParseLong(name, value); break;
            case "faults": Faults = FaultRule.ParseList(value).ToList(); break;
            case "seed": Seed = (int)ParseLong(name, value); break;
            case "parent-pid": ParentProcessId = (int)ParseLong(name, value); break;
            case "proxy-urls": ProxyUrls = value; break;
            case "proxy-require-auth": ProxyRequireAuth = value; break;
            case "gzip": Gzip = value; break;
            case "changing-video": ChangingVideo = value; break;
            case "ignore-if-range": IgnoreIfRange = ParseBool(name, value); break;
            case "video-origin": VideoOrigin = value; break;
            case "strict-multipart": StrictMultipart = ParseBool(name, value); break;
            case "latency-ms": LatencyMs = (int)ParseLong(name, value); break;
            case "latency-jitter-ms": LatencyJitterMs = (int)ParseLong(name, value); break;
            default: throw new ArgumentException($"Unknown option --{name}.");
        }
    }

    /// <exception cref="ArgumentException">A value out of range or a non-loopback address.</exception>
    public void Validate()
    {
        ParseLoopbackEndpoint(Urls, "--urls");
        ParseLoopbackEndpoint(CdnUrls, "--cdn-urls");
        if (Keys.Count == 0 || Keys.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("--keys needs at least one non-empty key.");
        if (Credits < 0) throw new ArgumentException("--credits must not be negative.");
        if (!(JobSeconds >= 0) || double.IsInfinity(JobSeconds)) throw new ArgumentException("--job-seconds must be a non-negative number.");
        if (RateLimit < 0) throw new ArgumentException("--rate-limit must not be negative.");
        if (RateLimitStatus < 0 || RateLimitGenerate < 0 || RateLimitUpload < 0)
            throw new ArgumentException("--rate-limit-status, --rate-limit-generate and --rate-limit-upload must not be negative.");
        EmulatorConfig.ValidateMode(EstimatedTime, EstimatedTimeModes.All, "--estimated-time");
        EmulatorConfig.ValidateMode(Progress, ProgressModes.All, "--progress");
        if (RetryAfter < 0) throw new ArgumentException("--retry-after must not be negative.");
        if (MaxUploadBytes < 0) throw new ArgumentException("--max-upload-bytes must not be negative.");
        if (MaxPromptLength < 1) throw new ArgumentException("--max-prompt-length must be at least 1.");
        if (VideoBytes < 0) throw new ArgumentException("--video-bytes must not be negative.");
        if (LatencyMs < 0 || LatencyJitterMs < 0) throw new ArgumentException("--latency-ms and --latency-jitter-ms must not be negative.");
        foreach (var rule in Faults) rule.Validate();
        if (ProxyUrls is not null) ParseLoopbackEndpoint(ProxyUrls, "--proxy-urls");
        if (ProxyRequireAuth is not null && ProxyRequireAuth.IndexOf(':') <= 0)
            throw new ArgumentException("--proxy-require-auth expects user:password.");
        if (ProxyRequireAuth is not null && ProxyUrls is null)
            throw new ArgumentException("--proxy-require-auth needs --proxy-urls.");
        TransferModes.Check("--gzip", Gzip, TransferModes.GzipValues);
        TransferModes.Check("--changing-video", ChangingVideo, TransferModes.ChangingVideoValues);
        TransferModes.Check("--video-origin", VideoOrigin, TransferModes.VideoOriginValues);
    }

    /// <summary>The loopback address and port of a URL like <c>http://127.0.0.1:0</c>; anything else is refused.</summary>
    internal static IPEndPoint ParseLoopbackEndpoint(string url, string optionName)
    {
        var first = url.Split(';', ',')[0].Trim();
        if (!Uri.TryCreate(first, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"{optionName} must be an http:// URL such as http://127.0.0.1:0 (got '{url}').");
        IPAddress address;
        if (uri.IsLoopback && string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!) || !IPAddress.IsLoopback(address))
            throw new ArgumentException($"{optionName}: the emulator only listens on loopback addresses (got '{uri.Host}').");
        return new IPEndPoint(address, uri.Port);
    }

    private static bool ParseBool(string name, string value) =>
        bool.TryParse(value, out var b) ? b : throw new ArgumentException($"--{name} expects true or false (got '{value}').");

    private static long ParseLong(string name, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n : throw new ArgumentException($"--{name} expects a whole number (got '{value}').");

    private static double ParseDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw new ArgumentException($"--{name} expects a number (got '{value}').");
}
