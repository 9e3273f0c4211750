namespace Veo31.Emulator;

/// <summary>The active fault rules and the dice that decide which request they hit.</summary>
internal sealed class FaultSet
{
    private readonly object _diceLock = new();
    private readonly Random _dice;
    private volatile FaultRule[] _rules = [];
    private readonly object _rulesLock = new();

    public FaultSet(int? seed, IEnumerable<FaultRule> initialRules)
    {
        _dice = seed is { } s ? new Random(s) : new Random();
        foreach (var rule in initialRules) Add(rule);
    }

    public IReadOnlyList<FaultRule> Rules => _rules;

    public void Add(FaultRule rule)
    {
        rule.Validate();
        lock (_rulesLock) _rules = [.. _rules, rule];
    }

    public void Clear()
    {
        lock (_rulesLock) _rules = [];
    }

    /// <summary>The first rule for <paramref name="endpoint"/> whose dice roll hits, or null. Only one fault per request.</summary>
    public FaultRule? Pick(string endpoint, Func<string, bool> kindFilter)
    {
        var rules = _rules;
        if (rules.Length == 0) return null;
        foreach (var rule in rules)
        {
            if (!rule.Matches(endpoint) || !kindFilter(rule.Kind) || rule.IsExhausted) continue;
            if (!Roll(rule.Rate)) continue;
            if (rule.TryClaimHit()) return rule;
        }
        return null;
    }

    private bool Roll(double rate)
    {
        if (rate >= 1) return true;
        if (rate <= 0) return false;
        lock (_diceLock) return _dice.NextDouble() < rate;
    }
}
