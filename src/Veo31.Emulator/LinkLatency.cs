namespace Veo31.Emulator;

/// <summary>
/// The round trip of a real link (<c>--latency-ms</c>, <c>--latency-jitter-ms</c>): every API request waits here before it is
/// handled, so concurrent requests can finish in another order than they were sent.
/// </summary>
internal sealed class LinkLatency(int? seed)
{
    // Its own dice, so turning jitter on does not shift which requests the fault rules hit.
    private readonly Random _dice = seed is { } s ? new Random(s) : new Random();
    private readonly object _diceLock = new();

    /// <summary>Waits this request's latency; false when the client went away or the emulator is stopping meanwhile.</summary>
    public async Task<bool> WaitAsync(EmulatorOptions config, CancellationToken cancellationToken)
    {
        var milliseconds = config.LatencyMs;
        if (config.LatencyJitterMs > 0)
            lock (_diceLock) milliseconds += _dice.Next(config.LatencyJitterMs + 1);
        if (milliseconds <= 0) return true;
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
