using System.Globalization;
using System.Text.RegularExpressions;

namespace Veo31.Emulator;

/// <summary>
/// The markers that steer a job from its prompt: <c>[seconds=N]</c>, <c>[fail]</c> / <c>[fail:field]</c>,
/// <c>[status=word]</c> / <c>[status=word:reason]</c>, <c>[midstatus=word]</c> and <c>[nourl=N]</c>.
/// </summary>
internal sealed partial record PromptMarkers(double? Seconds, string? FailField)
{
    public const string DefaultFailField = "failReason";

    /// <summary>The status reported once the job's time is up, instead of completed/failed; null = none.</summary>
    public string? EndStatus { get; init; }
    /// <summary>The reason text of <c>[status=word:reason]</c> (may be empty); null = none given.</summary>
    public string? EndReason { get; init; }
    /// <summary>The status reported while the job runs, instead of pending/processing; null = none.</summary>
    public string? MidStatus { get; init; }
    /// <summary>How many completed status answers omit <c>videoUrl</c> (<c>[nourl=N]</c>); 0 = none.</summary>
    public long UrlOmissions { get; init; }

    public static PromptMarkers Parse(string prompt)
    {
        double? seconds = null;
        var secondsMatch = SecondsMarker().Match(prompt);
        if (secondsMatch.Success && double.TryParse(secondsMatch.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            seconds = s;
        string? failField = null;
        var failMatch = FailMarker().Match(prompt);
        if (failMatch.Success)
            failField = failMatch.Groups[1].Success ? failMatch.Groups[1].Value : DefaultFailField;
        var statusMatch = StatusMarker().Match(prompt);
        var midStatusMatch = MidStatusMarker().Match(prompt);
        var noUrlMatch = NoUrlMarker().Match(prompt);
        return new PromptMarkers(seconds, failField)
        {
            EndStatus = statusMatch.Success ? statusMatch.Groups[1].Value : null,
            EndReason = statusMatch.Success && statusMatch.Groups[2].Success ? statusMatch.Groups[2].Value : null,
            MidStatus = midStatusMatch.Success ? midStatusMatch.Groups[1].Value : null,
            // More digits than a long holds still means "never".
            UrlOmissions = !noUrlMatch.Success ? 0
                : long.TryParse(noUrlMatch.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue,
        };
    }

    [GeneratedRegex(@"\[seconds=(\d+(?:\.\d+)?|\.\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex SecondsMarker();

    [GeneratedRegex(@"\[fail(?::([A-Za-z_][A-Za-z0-9_]*))?\]", RegexOptions.CultureInvariant)]
    private static partial Regex FailMarker();

    // A status word is letters, digits, '_', '-' or '.'; the reason is everything up to the closing bracket.
    [GeneratedRegex(@"\[status=([A-Za-z0-9_.-]+)(?::([^\]]*))?\]", RegexOptions.CultureInvariant)]
    private static partial Regex StatusMarker();

    [GeneratedRegex(@"\[midstatus=([A-Za-z0-9_.-]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex MidStatusMarker();

    [GeneratedRegex(@"\[nourl=(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex NoUrlMarker();
}
