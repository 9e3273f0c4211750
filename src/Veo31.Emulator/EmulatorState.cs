using System.Text.Json;

namespace Veo31.Emulator;

/// <summary>Everything the two origins share.</summary>
internal sealed class EmulatorState : IDisposable
{
    private EmulatorOptions _config;
    private readonly object _configLock = new();
    private readonly CancellationTokenSource _stopping = new();

    public EmulatorState(EmulatorOptions options)
    {
        Options = options;
        _config = options.Copy();
        Keys = new KeyStore(options.Keys, options.Credits);
        Faults = new FaultSet(options.Seed, options.Faults);
        EstimatedTimes = new EstimatedTimeReporter(options.Seed);
        Latency = new LinkLatency(options.Seed);
    }

    // Relaxed escaping keeps messages readable (an apostrophe stays ' rather than \u0027).
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The options the emulator started with.</summary>
    public EmulatorOptions Options { get; }
    /// <summary>The settings in force now: the start options as changed at run time. Replaced, never changed in place.</summary>
    public EmulatorOptions Config => Volatile.Read(ref _config);
    public KeyStore Keys { get; }
    public JobStore Jobs { get; } = new();
    public UploadStore Uploads { get; } = new();
    public Mp4Video Video { get; } = new();
    public FaultSet Faults { get; }
    public EstimatedTimeReporter EstimatedTimes { get; }
    public LinkLatency Latency { get; }
    public StatsCollector Stats { get; } = new();

    /// <summary>Origins without a trailing slash, e.g. <c>http://127.0.0.1:41235</c>; set once both are listening.</summary>
    public string ApiOrigin { get; set; } = "";
    public string CdnOrigin { get; set; } = "";

    /// <summary>Cancelled when the server shuts down, so endless fault bodies (slowBody) end promptly.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <exception cref="ArgumentException">A value out of range, or a change of a setting fixed at start.</exception>
    public EmulatorOptions UpdateConfig(Action<EmulatorOptions> change)
    {
        lock (_configLock)
        {
            var next = _config.Copy();
            change(next);
            EmulatorSettings.CheckChange(_config, next);
            Volatile.Write(ref _config, next);
            return next;
        }
    }

    public string VideoUrlOf(Job job) =>
        $"{(Config.VideoOrigin == TransferModes.OriginApi ? ApiOrigin : CdnOrigin)}/videos/{job.Uuid}.mp4";
    public string ImageUrlOf(string imageKey) => $"{CdnOrigin}/images/{imageKey}";

    public void SignalStopping()
    {
        try { _stopping.Cancel(); } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        Uploads.Dispose();
        _stopping.Dispose();
    }
}
