using System;
using System.Globalization;
using Veo31.Core.Errors;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// Caps on paid generations: per session, and per rolling 24 hours counted from the job journal (so the cap holds
    /// across runs of a scheduled script). Null means no cap.
    /// </summary>
    public sealed class SpendingLimits
    {
        /// <summary>Sets the daily cap when Connect-Veo is not given one (for runbooks).</summary>
        public const string DailyLimitVariable = "VEO_MAX_GENERATIONS_PER_DAY";

        public static readonly TimeSpan DailyWindow = TimeSpan.FromHours(24);

        public SpendingLimits(int? perSession, int? perDay)
        {
            if (perSession < 0) throw new ArgumentOutOfRangeException(nameof(perSession));
            if (perDay < 0) throw new ArgumentOutOfRangeException(nameof(perDay));
            PerSession = perSession;
            PerDay = perDay;
        }

        public static SpendingLimits None { get; } = new SpendingLimits(null, null);

        public int? PerSession { get; }
        public int? PerDay { get; }

        /// <summary>The daily cap from <see cref="DailyLimitVariable"/>; null when unset; InvalidParameters when not a whole number >= 0.</summary>
        public static int? DailyLimitFromEnvironment()
        {
            string? text = Environment.GetEnvironmentVariable(DailyLimitVariable);
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (int.TryParse(text!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int limit)) return limit;
            throw new VeoException(VeoErrorKind.InvalidParameters,
                "$env:" + DailyLimitVariable + " must be a whole number of generations (0 or more); it is '" + Text.ServerText.Message(text) + "'.");
        }
    }
}
