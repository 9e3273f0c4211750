using System.Collections.Concurrent;
using System.Diagnostics;

namespace Veo31.Emulator;

/// <summary>The accepted API keys with their credits and rate-limit window.</summary>
internal sealed class KeyStore
{
    public const long CreditsPerGeneration = 2;

    private readonly ConcurrentDictionary<string, KeyAccount> _accounts = new(StringComparer.Ordinal);

    public KeyStore(IEnumerable<string> keys, long credits)
    {
        foreach (var key in keys) SetCredits(key, credits);
    }

    public bool IsKnown(string key) => _accounts.ContainsKey(key);

    public void SetCredits(string key, long credits)
    {
        var account = _accounts.GetOrAdd(key, static _ => new KeyAccount());
        lock (account) account.Credits = credits;
    }

    public long? GetCredits(string key)
    {
        if (!_accounts.TryGetValue(key, out var account)) return null;
        lock (account) return account.Credits;
    }

    /// <summary>Takes the cost of a generation; on failure reports the current balance.</summary>
    public bool TryCharge(string key, out long current)
    {
        var account = _accounts[key];
        lock (account)
        {
            current = account.Credits;
            if (account.Credits < CreditsPerGeneration) return false;
            account.Credits -= CreditsPerGeneration;
            current = account.Credits;
            return true;
        }
    }

    /// <summary>Counts a request in the key's fixed one-second window; false when it goes over <paramref name="limit"/>.</summary>
    public bool TryPassRateLimit(string key, int limit)
    {
        if (limit <= 0) return true;
        var account = _accounts[key];
        var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
        lock (account)
        {
            if (account.WindowSecond != second)
            {
                account.WindowSecond = second;
                account.WindowCount = 0;
            }
            account.WindowCount++;
            return account.WindowCount <= limit;
        }
    }

    private sealed class KeyAccount
    {
        public long Credits;
        public long WindowSecond = -1;
        public int WindowCount;
    }
}
