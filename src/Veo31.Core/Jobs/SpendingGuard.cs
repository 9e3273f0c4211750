using System;
using System.Globalization;
using System.Linq;
using Veo31.Core.Errors;
using Veo31.Core.Journal;

namespace Veo31.Core.Jobs
{
    /// <summary>
    /// Refuses a generation before anything is sent when it would exceed a cap. A request counts from the moment it is
    /// reserved until its answer: accepted or lost (outcome unknown) it stays spent, refused by the API it is given back.
    /// The daily count is every charged journal entry of the last 24 hours (any process, any run) plus this session's
    /// requests still on the wire. Two processes reserving the very last slot at the same instant can both get it: the
    /// count is read, not locked, across processes.
    /// </summary>
    public sealed class SpendingGuard
    {
        private readonly object _gate = new object();
        private readonly JobJournal _journal;
        private readonly Func<DateTimeOffset> _now;
        private int _spent;
        private int _onTheWire;
        // When this session's paid requests were settled without a journal record (the journal could not be written): the
        // daily count reads the journal, so without these an unwritable journal would let every generation through.
        private readonly System.Collections.Generic.List<DateTimeOffset> _unjournaled = new System.Collections.Generic.List<DateTimeOffset>();

        public SpendingGuard(SpendingLimits limits, JobJournal journal, Func<DateTimeOffset>? now = null)
        {
            Limits = limits ?? SpendingLimits.None;
            _journal = journal ?? throw new ArgumentNullException(nameof(journal));
            _now = now ?? (() => DateTimeOffset.UtcNow);
        }

        public SpendingLimits Limits { get; }

        /// <summary>Takes one generation from every cap, or throws QuotaExceeded. Settle it with <see cref="Settle"/>.</summary>
        public void Reserve()
        {
            lock (_gate)
            {
                if (Limits.PerSession is int perSession && _spent + _onTheWire >= perSession)
                {
                    throw new VeoException(VeoErrorKind.QuotaExceeded, string.Format(CultureInfo.InvariantCulture,
                        "The session's cap of {0} generation(s) (Connect-Veo -MaxGenerations) is reached: {1} spent. Nothing was sent.",
                        perSession, _spent + _onTheWire));
                }
                if (Limits.PerDay is int perDay)
                {
                    DailyCount day = CountDay();
                    if (day.Charged + _onTheWire >= perDay)
                    {
                        string frees = day.Oldest.HasValue
                            ? " The next generation is allowed after " + (day.Oldest.Value + SpendingLimits.DailyWindow).ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) + "."
                            : "";
                        throw new VeoException(VeoErrorKind.QuotaExceeded, string.Format(CultureInfo.InvariantCulture,
                            "The daily cap of {0} generation(s) (rolling 24 hours, -MaxGenerationsPerDay or $env:{1}) is reached: {2} in the job journal {3} since {4}. Nothing was sent.{5}",
                            perDay, SpendingLimits.DailyLimitVariable, day.Charged + _onTheWire, _journal.Path,
                            day.Since.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture), frees));
                    }
                }
                _onTheWire++;
            }
        }

        /// <summary>The answer to a reserved request: <paramref name="charged"/> when accepted or when its outcome is unknown;
        /// <paramref name="journaled"/> false when its journal record could not be written.</summary>
        public void Settle(bool charged, bool journaled = true)
        {
            lock (_gate)
            {
                _onTheWire--;
                if (charged) _spent++;
                if (charged && !journaled) _unjournaled.Add(_now());
            }
        }

        /// <summary>What was spent and what is left, now.</summary>
        public SpendingSnapshot Snapshot()
        {
            lock (_gate)
            {
                int spent = _spent + _onTheWire;
                int? day;
                try
                {
                    day = CountDay().Charged + _onTheWire;
                }
                catch (VeoException)
                {
                    day = null; // the journal cannot be read now; what this session spent is known all the same
                }
                return new SpendingSnapshot(spent, Limits.PerSession, day, Limits.PerDay);
            }
        }

        private DailyCount CountDay()
        {
            DateTimeOffset since = _now() - SpendingLimits.DailyWindow;
            var charged = _journal.ReadAll().Where(e => e.IsCharged && e.Submitted > since).Select(e => e.Submitted)
                .Concat(_unjournaled.Where(at => at > since)).ToList();
            return new DailyCount(since, charged.Count, charged.Count == 0 ? (DateTimeOffset?)null : charged.Min());
        }

        private readonly struct DailyCount
        {
            public DailyCount(DateTimeOffset since, int charged, DateTimeOffset? oldest)
            {
                Since = since;
                Charged = charged;
                Oldest = oldest;
            }

            public DateTimeOffset Since { get; }
            public int Charged { get; }
            public DateTimeOffset? Oldest { get; }
        }
    }

    /// <summary>Generations spent and left, per session and per rolling 24 hours (left is null without a cap).</summary>
    public sealed class SpendingSnapshot
    {
        public SpendingSnapshot(int sessionSpent, int? sessionLimit, int? daySpent, int? dayLimit)
        {
            SessionSpent = sessionSpent;
            SessionLimit = sessionLimit;
            DaySpent = daySpent;
            DayLimit = dayLimit;
        }

        public int SessionSpent { get; }
        public int? SessionLimit { get; }
        public int? SessionLeft => SessionLimit.HasValue ? Math.Max(0, SessionLimit.Value - SessionSpent) : (int?)null;
        /// <summary>Null when the journal could not be read.</summary>
        public int? DaySpent { get; }
        public int? DayLimit { get; }
        public int? DayLeft => DayLimit.HasValue && DaySpent.HasValue ? Math.Max(0, DayLimit.Value - DaySpent.Value) : (int?)null;
    }
}
