namespace Veo31.Emulator;

/// <summary>How a status answer reports <c>estimatedTime</c> (<c>--estimated-time</c>).</summary>
public static class EstimatedTimeModes
{
    /// <summary>The remaining seconds, rounded up.</summary>
    public const string Exact = "exact";
    /// <summary>The remaining seconds times a random factor in [0.5, 1.5], drawn per answer, rounded up.</summary>
    public const string Noisy = "noisy";
    /// <summary>No <c>estimatedTime</c> field.</summary>
    public const string Missing = "missing";

    public static readonly IReadOnlyList<string> All = [Exact, Noisy, Missing];
}

/// <summary>How a status answer reports <c>progress</c> (<c>--progress</c>).</summary>
public static class ProgressModes
{
    public const string Exact = "exact";
    /// <summary>No <c>progress</c> field, in any status.</summary>
    public const string Missing = "missing";

    public static readonly IReadOnlyList<string> All = [Exact, Missing];
}

/// <summary>Turns a job's true remaining time into the <c>estimatedTime</c> an answer shows, per the configured mode.</summary>
internal sealed class EstimatedTimeReporter(int? seed)
{
    public const double LowestFactor = 0.5;
    public const double HighestFactor = 1.5;

    // Its own dice, so turning noise on does not shift which requests the fault rules hit.
    private readonly Random _dice = seed is { } s ? new Random(s) : new Random();
    private readonly object _diceLock = new();

    /// <summary>Whole seconds to report, or null for no field (a finished job, or mode missing).</summary>
    public int? Report(string mode, double? remainingSeconds)
    {
        if (remainingSeconds is not { } remaining) return null;
        switch (mode)
        {
            case EstimatedTimeModes.Missing:
                return null;
            case EstimatedTimeModes.Noisy:
                double factor;
                lock (_diceLock) factor = LowestFactor + _dice.NextDouble() * (HighestFactor - LowestFactor);
                return (int)Math.Ceiling(remaining * factor);
            default:
                return (int)Math.Ceiling(remaining);
        }
    }
}
