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

    /// <summary>
    /// Counts a request in the key's all-endpoints window and in its window for <paramref name="endpoint"/> (fixed
    /// one-second windows); false when either goes over its limit (0 = no limit).
    /// </summary>
    public bool TryPassRateLimit(string key, string endpoint, int allEndpointsLimit, int endpointLimit)
    {
        if (allEndpointsLimit <= 0 && endpointLimit <= 0) return true;
        var account = _accounts[key];
        var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
        lock (account)
        {
            var passAll = account.AllEndpoints.Count(second, allEndpointsLimit);
            if (!account.PerEndpoint.TryGetValue(endpoint, out var window)) account.PerEndpoint[endpoint] = window = new RateWindow();
            var passEndpoint = window.Count(second, endpointLimit);
            return passAll && passEndpoint;
        }
    }

    private sealed class KeyAccount
    {
        public long Credits;
        public readonly RateWindow AllEndpoints = new();
        public readonly Dictionary<string, RateWindow> PerEndpoint = new(StringComparer.Ordinal);
    }

    /// <summary>A fixed one-second window; every request counts, passed or not.</summary>
    private sealed class RateWindow
    {
        private long _second = -1;
        private int _count;

        /// <summary>Counts one request in <paramref name="second"/>; true while the count is within <paramref name="limit"/> (or no limit).</summary>
        public bool Count(long second, int limit)
        {
            if (_second != second)
            {
                _second = second;
                _count = 0;
            }
            _count++;
            return limit <= 0 || _count <= limit;
        }
    }
}
