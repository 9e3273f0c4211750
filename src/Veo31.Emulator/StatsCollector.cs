using System.Collections.Concurrent;

namespace Veo31.Emulator;

/// <summary>Thread-safe counters behind <see cref="EmulatorStats"/>; lock-free on the request path.</summary>
internal sealed class StatsCollector
{
    private readonly ConcurrentDictionary<string, long> _requests = new();
    private readonly ConcurrentDictionary<string, long> _rateLimited = new();
    private readonly ConcurrentDictionary<string, byte> _chargedFingerprints = new();
    private ConcurrentQueue<string> _cdnAuthorizationHeaders = new();
    private ConcurrentQueue<EmulatorProxyRequest> _proxyRequests = new();
    private ConcurrentQueue<string> _apiVideoAuthorizationHeaders = new();
    private ConcurrentQueue<string> _uploadFileNames = new();
    private ConcurrentQueue<string> _uploadSha256s = new();
    private long _creditsCharged;
    private long _generations;
    private long _duplicateCharges;
    private int _videoVersion;
    private int _openConnections;
    private int _peakConnections;

    public StatsCollector()
    {
        foreach (var endpoint in EmulatorEndpoints.All)
        {
            _requests[endpoint] = 0;
            _rateLimited[endpoint] = 0;
        }
    }

    public void CountRequest(string endpoint) => _requests.AddOrUpdate(endpoint, 1, static (_, n) => n + 1);

    /// <summary>Counts a 1003 answer (a rate-limit window or a rateLimit fault) on <paramref name="endpoint"/>.</summary>
    public void CountRateLimited(string endpoint) => _rateLimited.AddOrUpdate(endpoint, 1, static (_, n) => n + 1);

    public void RecordCharge(long credits, string requestFingerprint)
    {
        Interlocked.Add(ref _creditsCharged, credits);
        Interlocked.Increment(ref _generations);
        if (!_chargedFingerprints.TryAdd(requestFingerprint, 0)) Interlocked.Increment(ref _duplicateCharges);
    }

    public void RecordCdnAuthorization(string value) => _cdnAuthorizationHeaders.Enqueue(value);

    public void RecordApiVideoAuthorization(string value) => Volatile.Read(ref _apiVideoAuthorizationHeaders).Enqueue(value);

    public void RecordUploadFileName(string value) => Volatile.Read(ref _uploadFileNames).Enqueue(value);

    public void RecordUploadSha256(string value) => Volatile.Read(ref _uploadSha256s).Enqueue(value);

    /// <summary>The next version of a changing video (<c>--changing-video</c>): 1, 2, 3... (from 1 again after a reset).</summary>
    public int NextVideoVersion() => Interlocked.Increment(ref _videoVersion);

    public void RecordProxyRequest(EmulatorProxyRequest request) => Volatile.Read(ref _proxyRequests).Enqueue(request);

    public void ConnectionOpened()
    {
        var open = Interlocked.Increment(ref _openConnections);
        int peak;
        while (open > (peak = Volatile.Read(ref _peakConnections)))
            if (Interlocked.CompareExchange(ref _peakConnections, open, peak) == peak) break;
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);

    /// <summary>Zeroes the counters; the peak restarts from the connections open now.</summary>
    public void Reset()
    {
        foreach (var endpoint in _requests.Keys) _requests[endpoint] = 0;
        foreach (var endpoint in _rateLimited.Keys) _rateLimited[endpoint] = 0;
        _chargedFingerprints.Clear();
        Interlocked.Exchange(ref _cdnAuthorizationHeaders, new ConcurrentQueue<string>());
        Interlocked.Exchange(ref _proxyRequests, new ConcurrentQueue<EmulatorProxyRequest>());
        Interlocked.Exchange(ref _apiVideoAuthorizationHeaders, new ConcurrentQueue<string>());
        Interlocked.Exchange(ref _uploadFileNames, new ConcurrentQueue<string>());
        Interlocked.Exchange(ref _uploadSha256s, new ConcurrentQueue<string>());
        Interlocked.Exchange(ref _videoVersion, 0);
        Interlocked.Exchange(ref _creditsCharged, 0);
        Interlocked.Exchange(ref _generations, 0);
        Interlocked.Exchange(ref _duplicateCharges, 0);
        Interlocked.Exchange(ref _peakConnections, Volatile.Read(ref _openConnections));
    }

    public EmulatorStats Snapshot() => new()
    {
        Requests = new SortedDictionary<string, long>(_requests, StringComparer.Ordinal),
        RateLimited = new SortedDictionary<string, long>(_rateLimited, StringComparer.Ordinal),
        CreditsCharged = Interlocked.Read(ref _creditsCharged),
        Generations = Interlocked.Read(ref _generations),
        DuplicateCharges = Interlocked.Read(ref _duplicateCharges),
        PeakConcurrentConnections = Volatile.Read(ref _peakConnections),
        CdnAuthorizationHeaders = Volatile.Read(ref _cdnAuthorizationHeaders).ToArray(),
        ProxyRequests = Volatile.Read(ref _proxyRequests).ToArray(),
        ApiVideoAuthorizationHeaders = Volatile.Read(ref _apiVideoAuthorizationHeaders).ToArray(),
        UploadFileNames = Volatile.Read(ref _uploadFileNames).ToArray(),
        UploadSha256s = Volatile.Read(ref _uploadSha256s).ToArray(),
        VideoVersionsServed = Volatile.Read(ref _videoVersion),
    };
}
