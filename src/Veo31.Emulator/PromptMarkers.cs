using System.Globalization;
using System.Text.RegularExpressions;

namespace Veo31.Emulator;

/// <summary>The <c>[seconds=N]</c> and <c>[fail]</c> / <c>[fail:field]</c> markers that steer a job from its prompt.</summary>
internal sealed partial record PromptMarkers(double? Seconds, string? FailField)
{
    public const string DefaultFailField = "failReason";

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
        return new PromptMarkers(seconds, failField);
    }

    [GeneratedRegex(@"\[seconds=(\d+(?:\.\d+)?|\.\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex SecondsMarker();

    [GeneratedRegex(@"\[fail(?::([A-Za-z_][A-Za-z0-9_]*))?\]", RegexOptions.CultureInvariant)]
    private static partial Regex FailMarker();
}
