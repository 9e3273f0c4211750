using System.Linq.Expressions;
using System.Text;
using System.Text.Json;

namespace Veo31.Emulator;

/// <summary>
/// Every emulator setting, declared once. The command line (<see cref="EmulatorOptions.Parse"/>), its validation,
/// <c>GET</c>/<c>POST /_emulator/config</c> and the options table of docs/emulator.md
/// (<c>--print-options-table</c>) all come from <see cref="All"/>; the value lives in the <see cref="EmulatorOptions"/>
/// property the row names, with its default.
/// </summary>
public static class EmulatorSettings
{
    /// <summary>In the order of the docs table. A non-null config name makes the setting changeable at run time.</summary>
    public static IReadOnlyList<EmulatorSetting> All { get; } =
    [
        Setting(o => o.Urls, "urls", null, SettingKinds.Text, "API origin (port 0 = a free port)", LoopbackUrl),
        Setting(o => o.CdnUrls, "cdn-urls", null, SettingKinds.Text, "second origin serving videos and images (stands in for a CDN)", LoopbackUrl),
        Setting(o => o.Keys, "keys", null, SettingKinds.CommaList, "accepted API keys, comma separated",
            keys => keys.Count == 0 || keys.Any(string.IsNullOrWhiteSpace) ? "needs at least one non-empty key" : null),
        Setting(o => o.Credits, "credits", null, SettingKinds.Long, "starting credits per key (a generation costs 2)", NotNegative),
        Setting(o => o.JobSeconds, "job-seconds", "jobSeconds", SettingKinds.Double,
            "time from creation to completion (pending for the first 20%, then processing)",
            s => s >= 0 && !double.IsInfinity(s) ? null : "must be a non-negative number"),
        Setting(o => o.RateLimit, "rate-limit", "rateLimit", SettingKinds.Int,
            "requests per second per key over all endpoints together before 1003 / HTTP 429 (0 = no limit)", NotNegative),
        Setting(o => o.RateLimitStatus, "rate-limit-status", "rateLimitStatus", SettingKinds.Int,
            "`GET /video-status` requests per second per key, in a window of their own (0 = no limit)", NotNegative),
        Setting(o => o.RateLimitGenerate, "rate-limit-generate", "rateLimitGenerate", SettingKinds.Int,
            "`POST /generate-video` requests per second per key, in a window of their own (0 = no limit)", NotNegative),
        Setting(o => o.RateLimitUpload, "rate-limit-upload", "rateLimitUpload", SettingKinds.Int,
            "`POST /upload-video-image` requests per second per key, in a window of their own (0 = no limit)", NotNegative),
        Setting(o => o.RetryAfter, "retry-after", "retryAfter", SettingKinds.Int, "seconds sent in `Retry-After` with a rate-limit answer", NotNegative),
        Choice(o => o.EstimatedTime, "estimated-time", "estimatedTime", EstimatedTimeModes.All,
            "`estimatedTime` in status answers: `exact` (remaining seconds, rounded up), `noisy` (remaining seconds times a random " +
            "factor in [0.5, 1.5] drawn per answer, rounded up; seeded by `--seed`), `missing` (no field)"),
        Choice(o => o.Progress, "progress", "progress", ProgressModes.All,
            "`progress` in status answers: `exact`, or `missing` (no field in any status)"),
        Setting(o => o.MaxUploadBytes, "max-upload-bytes", "maxUploadBytes", SettingKinds.Long, "upload size limit (50 MB)", NotNegative),
        Setting(o => o.MaxPromptLength, "max-prompt-length", "maxPromptLength", SettingKinds.Int, "longest prompt accepted (longer gives 1000)",
            n => n >= 1 ? null : "must be at least 1"),
        Setting(o => o.VideoBytes, "video-bytes", "videoBytes", SettingKinds.Long,
            "size of served videos; 0 = the embedded small MP4, larger = the same MP4 padded with a trailing `free` box", NotNegative),
        Setting(o => o.ErrorsHttp200, "errors-http200", "errorsHttp200", SettingKinds.Bool,
            "send every error envelope with HTTP 200 instead of 4xx/5xx"),
        Setting(o => o.Faults, "faults", null, SettingKinds.FaultList,
            "fault rules, `endpoint:kind:rate[:count]` separated by `;`, e.g. `generate-video:error5000:0.2;video-status:drop:0.3`",
            rules => { foreach (var rule in rules) rule.Validate(); return null; }, shownDefault: "none"),
        Setting(o => o.Seed, "seed", null, SettingKinds.OptionalInt,
            "seed of the fault dice and of the `noisy` estimatedTime factors, for reproducible runs", shownDefault: "random"),
        Setting(o => o.ParentProcessId, "parent-pid", null, SettingKinds.OptionalInt,
            "stop when that process exits (test runs use it so no emulator outlives them)", shownDefault: "none"),
        Setting(o => o.ProxyUrls, "proxy-urls", null, SettingKinds.OptionalText,
            "also start the recording forward proxy there, e.g. `http://127.0.0.1:0` (see below)",
            url => url is null ? null : LoopbackUrl(url), shownDefault: "none (off)"),
        Setting(o => o.ProxyRequireAuth, "proxy-require-auth", null, SettingKinds.OptionalText,
            "`user:password` the proxy demands as `Basic` Proxy-Authorization (needs `--proxy-urls`)",
            auth => auth is null || auth.IndexOf(':') > 0 ? null : "expects user:password", shownDefault: "none"),
        Choice(o => o.Gzip, "gzip", "gzip", TransferModes.GzipValues,
            "compress answers whose request accepts gzip (`Accept-Encoding`): `off`, `json` (API answers) or `all` (also CDN videos " +
            "and images; a range then addresses the compressed bytes, as with a CDN that compresses and still honours Range)"),
        Choice(o => o.ChangingVideo, "changing-video", "changingVideo", TransferModes.ChangingVideoValues,
            "every video request meets a new version of the file (same length, other bytes), sent with `etag` (a new strong ETag " +
            "each time), `last-modified` (a new Last-Modified date, no ETag) or `none` (no validator at all)"),
        Setting(o => o.IgnoreIfRange, "ignore-if-range", "ignoreIfRange", SettingKinds.Bool,
            "the CDN honours `Range` whatever `If-Range` says (a 206 of another version), as some CDNs do"),
        Choice(o => o.VideoOrigin, "video-origin", "videoOrigin", TransferModes.VideoOriginValues,
            "where completed jobs' `videoUrl` points: `cdn`, or `api` (`/videos/{uuid}.mp4` on the API's own origin, which records " +
            "any Authorization header it receives)"),
        Setting(o => o.LatencyMs, "latency-ms", "latencyMs", SettingKinds.Int,
            "milliseconds every API request (the three endpoints) waits before it is handled, as a real link's round trip; " +
            "applies to fault answers too", NotNegative),
        Setting(o => o.LatencyJitterMs, "latency-jitter-ms", "latencyJitterMs", SettingKinds.Int,
            "up to this many more milliseconds per request, drawn uniformly per request (seeded by `--seed`), so concurrent " +
            "requests finish out of order", NotNegative),
        Setting(o => o.StrictMultipart, "strict-multipart", "strictMultipart", SettingKinds.Bool,
            "`/upload-video-image` reads form parts as strictly as RFC 7578 (see Uploads below); `false` accepts what ASP.NET's " +
            "lenient parser accepts"),
    ];

    /// <summary>Rules between settings, checked after each setting's own.</summary>
    private static string? CrossProblem(EmulatorOptions o) =>
        o.ProxyRequireAuth is not null && o.ProxyUrls is null ? "--proxy-require-auth needs --proxy-urls." : null;

    /// <summary>The setting whose flag is <paramref name="flag"/> (without dashes, any case), or null.</summary>
    public static EmulatorSetting? ByFlag(string flag) =>
        All.FirstOrDefault(s => string.Equals(s.Flag, flag, StringComparison.OrdinalIgnoreCase));

    /// <summary>The run-time setting named <paramref name="configName"/> in <c>/_emulator/config</c> (any case), or null.</summary>
    public static EmulatorSetting? ByConfigName(string configName) =>
        All.FirstOrDefault(s => string.Equals(s.ConfigName, configName, StringComparison.OrdinalIgnoreCase));

    /// <exception cref="ArgumentException">The first value out of range, or a rule between settings broken.</exception>
    internal static void CheckAll(EmulatorOptions options)
    {
        foreach (var setting in All) setting.Check(options);
        if (CrossProblem(options) is { } problem) throw new ArgumentException(problem);
    }

    /// <summary>Checks <paramref name="next"/> as a successor of <paramref name="current"/> at run time.</summary>
    /// <exception cref="ArgumentException">A value out of range, or a setting without a config name changed.</exception>
    internal static void CheckChange(EmulatorOptions current, EmulatorOptions next)
    {
        foreach (var setting in All.Where(s => s.ConfigName is null))
            if (!setting.SameIn(current, next)) throw new ArgumentException($"{setting.Label} cannot change while the emulator runs.");
        CheckAll(next);
    }

    /// <summary>The run-time settings of <paramref name="options"/>, as <c>GET /_emulator/config</c> answers.</summary>
    internal static IReadOnlyDictionary<string, object?> ConfigOf(EmulatorOptions options) =>
        All.Where(s => s.ConfigName is not null).ToDictionary(s => s.ConfigName!, s => s.ValueIn(options));

    /// <summary>Applies a <c>POST /_emulator/config</c> body (<c>null</c> members stay as they are) to <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Not an object, an unknown name, or a value of the wrong form.</exception>
    internal static void ApplyPatch(EmulatorOptions options, JsonElement patch)
    {
        if (patch.ValueKind == JsonValueKind.Null) return;
        if (patch.ValueKind != JsonValueKind.Object) throw new ArgumentException("The config patch must be a JSON object.");
        foreach (var member in patch.EnumerateObject())
        {
            var setting = ByConfigName(member.Name) ?? throw new ArgumentException(
                $"'{member.Name}' is not a setting that can change at run time; these can: " +
                string.Join(", ", All.Where(s => s.ConfigName is not null).Select(s => s.ConfigName)) + ".");
            if (member.Value.ValueKind != JsonValueKind.Null) setting.Apply(options, setting.TextOf(member.Value));
        }
    }

    /// <summary>The options table of docs/emulator.md (printed by <c>--print-options-table</c>), one line per setting.</summary>
    public static string OptionsTable()
    {
        var table = new StringBuilder();
        table.Append("| option | default | `/_emulator/config` | meaning |\n");
        table.Append("|---|---|---|---|\n");
        foreach (var s in All)
            table.Append($"| `--{s.Flag}` | {s.ShownDefault} | {(s.ConfigName is null ? "" : $"`{s.ConfigName}`")} | {s.Help.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        return table.ToString();
    }

    private static string? NotNegative(int n) => n >= 0 ? null : "must not be negative";
    private static string? NotNegative(long n) => n >= 0 ? null : "must not be negative";

    private static string? LoopbackUrl(string url) => EmulatorOptions.LoopbackProblem(url, out _);

    private static EmulatorSetting<T> Setting<T>(Expression<Func<EmulatorOptions, T>> property, string flag, string? configName,
        SettingKind<T> kind, string help, Func<T, string?>? problem = null, string? shownDefault = null) =>
        new(property, flag, configName, kind, help, problem, null, shownDefault);

    private static EmulatorSetting<string> Choice(Expression<Func<EmulatorOptions, string>> property, string flag, string? configName,
        IReadOnlyList<string> choices, string help) =>
        new(property, flag, configName, SettingKinds.Text, help,
            value => choices.Contains(value) ? null : $"must be one of {string.Join(", ", choices)}", choices, null);
}
