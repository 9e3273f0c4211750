using System.Net;

namespace Veo31.Emulator;

/// <summary>
/// The emulator's settings: one property per row of <see cref="EmulatorSettings.All"/>, which declares its flag, its
/// name in <c>/_emulator/config</c>, its check and its help. The property holds the value and its default.
/// </summary>
public sealed class EmulatorOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:0";
    public string CdnUrls { get; set; } = "http://127.0.0.1:0";
    public IList<string> Keys { get; set; } = new List<string> { "veo-emulator-key" };
    public long Credits { get; set; } = 1000;
    public double JobSeconds { get; set; } = 3;
    public int RateLimit { get; set; }
    public int RateLimitStatus { get; set; }
    public int RateLimitGenerate { get; set; }
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
    public int? ParentProcessId { get; set; }
    public string? ProxyUrls { get; set; }
    public string? ProxyRequireAuth { get; set; }
    /// <summary>One of <see cref="TransferModes.GzipValues"/>.</summary>
    public string Gzip { get; set; } = TransferModes.GzipJson;
    /// <summary>One of <see cref="TransferModes.ChangingVideoValues"/>.</summary>
    public string ChangingVideo { get; set; } = TransferModes.Off;
    public bool IgnoreIfRange { get; set; }
    /// <summary>One of <see cref="TransferModes.VideoOriginValues"/>.</summary>
    public string VideoOrigin { get; set; } = TransferModes.OriginCdn;
    public bool StrictMultipart { get; set; } = true;
    public int LatencyMs { get; set; }
    public int LatencyJitterMs { get; set; }

    /// <summary>Parses <c>--name value</c> pairs (also <c>--name=value</c>; a bare boolean flag such as <c>--errors-http200</c> means true).</summary>
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
            var setting = EmulatorSettings.ByFlag(name) ?? throw new ArgumentException($"Unknown option --{name}.");
            setting.Apply(options, value);
        }
        options.Validate();
        return options;
    }

    /// <exception cref="ArgumentException">A value out of range or a non-loopback address.</exception>
    public void Validate() => EmulatorSettings.CheckAll(this);

    /// <summary>A copy that shares nothing mutable with this one.</summary>
    internal EmulatorOptions Copy()
    {
        var copy = (EmulatorOptions)MemberwiseClone();
        copy.Keys = Keys.ToList();
        copy.Faults = Faults.ToList();
        return copy;
    }

    /// <summary>The per-endpoint limit of <paramref name="endpoint"/> (0 = none), beside the all-endpoints <see cref="RateLimit"/>.</summary>
    internal int RateLimitFor(string endpoint) => endpoint switch
    {
        EmulatorEndpoints.VideoStatus => RateLimitStatus,
        EmulatorEndpoints.GenerateVideo => RateLimitGenerate,
        EmulatorEndpoints.UploadVideoImage => RateLimitUpload,
        _ => 0,
    };

    /// <summary>The loopback address and port of a URL like <c>http://127.0.0.1:0</c>; anything else is refused.</summary>
    internal static IPEndPoint ParseLoopbackEndpoint(string url, string optionName) =>
        LoopbackProblem(url, out var endpoint) is { } problem
            ? throw new ArgumentException($"{optionName} {problem} (got '{url}').")
            : endpoint!;

    /// <summary>Why <paramref name="url"/> is not an http:// URL on a loopback address, or null when it is.</summary>
    internal static string? LoopbackProblem(string url, out IPEndPoint? endpoint)
    {
        endpoint = null;
        var first = url.Split(';', ',')[0].Trim();
        if (!Uri.TryCreate(first, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            return "must be an http:// URL such as http://127.0.0.1:0";
        IPAddress address;
        if (uri.IsLoopback && string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!) || !IPAddress.IsLoopback(address))
            return "must be on a loopback address: the emulator only listens on loopback";
        endpoint = new IPEndPoint(address, uri.Port);
        return null;
    }
}
