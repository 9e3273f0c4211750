using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Veo31.Emulator;

/// <summary>
/// The Veo 3.1 API emulator, in process: an API origin (<c>/api</c> plus <c>/_emulator</c> control endpoints)
/// and a CDN origin, each a Kestrel server on 127.0.0.1.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly EmulatorState _state;
    private readonly WebApplication _api;
    private readonly WebApplication _cdn;
    private WebApplication? _proxy;
    private ProxyEndpoints? _proxyEndpoints;
    private int _disposed;

    private EmulatorServer(EmulatorState state, WebApplication api, WebApplication cdn, Uri cdnOrigin)
    {
        _state = state;
        _api = api;
        _cdn = cdn;
        ApiBaseUri = new Uri(_state.ApiOrigin + "/api");
        CdnBaseUri = cdnOrigin;
        ControlBaseUri = new Uri(_state.ApiOrigin + "/_emulator");
    }

    /// <summary>The API base, e.g. <c>http://127.0.0.1:41234/api</c> (no trailing slash).</summary>
    public Uri ApiBaseUri { get; }
    /// <summary>The CDN origin, e.g. <c>http://127.0.0.1:41235/</c>.</summary>
    public Uri CdnBaseUri { get; }
    /// <summary>The control endpoints' base, e.g. <c>http://127.0.0.1:41234/_emulator</c>.</summary>
    public Uri ControlBaseUri { get; }
    /// <summary>The first configured key.</summary>
    public string ApiKey => _state.Options.Keys[0];
    public EmulatorOptions Options => _state.Options;
    /// <summary>The recording forward proxy, e.g. <c>http://127.0.0.1:41236/</c>; null unless <c>ProxyUrls</c> was set.</summary>
    public Uri? ProxyUri { get; private set; }

    /// <summary>The three lines the command-line emulator prints, and a fourth (<c>VEO_EMULATOR_PROXY=</c>) with a proxy.</summary>
    public IReadOnlyList<string> AnnouncementLines => ProxyUri is null
        ? [
            "VEO_EMULATOR_API=" + ApiBaseUri.OriginalString,
            "VEO_EMULATOR_CDN=" + _state.CdnOrigin,
            "VEO_EMULATOR_KEY=" + ApiKey,
        ]
        : [
            "VEO_EMULATOR_API=" + ApiBaseUri.OriginalString,
            "VEO_EMULATOR_CDN=" + _state.CdnOrigin,
            "VEO_EMULATOR_KEY=" + ApiKey,
            "VEO_EMULATOR_PROXY=" + ProxyUri.GetLeftPart(UriPartial.Authority),
        ];

    /// <exception cref="ArgumentException">Invalid options, e.g. a non-loopback address.</exception>
    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var apiEndpoint = EmulatorOptions.ParseLoopbackEndpoint(options.Urls, "--urls");
        var cdnEndpoint = EmulatorOptions.ParseLoopbackEndpoint(options.CdnUrls, "--cdn-urls");

        var state = new EmulatorState(options);
        var faultResponder = new FaultResponder(state);
        WebApplication? cdn = null, api = null;
        EmulatorServer? server = null;
        try
        {
            var cdnEndpoints = new CdnEndpoints(state, faultResponder);
            cdn = BuildApp(cdnEndpoint, null, cdnEndpoints.HandleAsync);
            await cdn.StartAsync(ct);
            var cdnOrigin = BoundOrigin(cdn);
            state.CdnOrigin = cdnOrigin.GetLeftPart(UriPartial.Authority);

            var apiEndpoints = new ApiEndpoints(state, faultResponder);
            ControlEndpoints? control = null;
            api = BuildApp(apiEndpoint, listen => listen.Use(next => async connection =>
            {
                state.Stats.ConnectionOpened();
                try { await next(connection); }
                finally { state.Stats.ConnectionClosed(); }
            }), async context =>
            {
                if (apiEndpoints.TryRoute(context, out var endpoint, out var handler))
                    await apiEndpoints.HandleAsync(context, endpoint, handler);
                else if (control!.Owns(context))
                    await control.HandleAsync(context);
                else if (CdnEndpoints.IsVideoPath(context))
                    await cdnEndpoints.HandleOnApiOriginAsync(context);
                else
                    await ApiResponses.WriteErrorAsync(context, new ApiError(1000, 404, $"Invalid parameters: no endpoint {context.Request.Method} {context.Request.Path}"), false);
            });
            await api.StartAsync(ct);
            state.ApiOrigin = BoundOrigin(api).GetLeftPart(UriPartial.Authority);
            server = new EmulatorServer(state, api, cdn, cdnOrigin);
            control = new ControlEndpoints(server);
            if (options.ProxyUrls is not null)
            {
                try
                {
                    await server.StartProxyAsync(EmulatorOptions.ParseLoopbackEndpoint(options.ProxyUrls, "--proxy-urls"), ct);
                }
                catch
                {
                    await server.DisposeAsync();
                    throw;
                }
            }
            return server;
        }
        catch when (server is null)
        {
            state.SignalStopping();
            if (api is not null) await api.DisposeAsync();
            if (cdn is not null) await cdn.DisposeAsync();
            state.Dispose();
            throw;
        }
    }

    private async Task StartProxyAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        _proxyEndpoints = new ProxyEndpoints(_state);
        _proxy = BuildApp(endpoint, null, _proxyEndpoints.HandleAsync);
        await _proxy.StartAsync(ct);
        ProxyUri = BoundOrigin(_proxy);
        _proxyEndpoints.Origin = ProxyUri;
    }

    private static WebApplication BuildApp(IPEndPoint endpoint, Action<ListenOptions>? configureListen, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Only warnings, and on stderr: stdout carries the VEO_EMULATOR_* lines alone.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The upload size check is the emulator's own (413 with code 1000), not Kestrel's.
            kestrel.Limits.MaxRequestBodySize = null;
            // slowBody sends one byte a second on purpose.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                configureListen?.Invoke(listen);
            });
        });
        var app = builder.Build();
        app.Run(handler);
        return app;
    }

    private static Uri BoundOrigin(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        return new Uri(address);
    }

    public EmulatorStats GetStats() => _state.Stats.Snapshot();
    public void ResetStats() => _state.Stats.Reset();

    public IReadOnlyList<FaultRule> GetFaults() => _state.Faults.Rules;
    /// <exception cref="ArgumentException">An unknown endpoint or kind.</exception>
    public void AddFault(FaultRule rule) => _state.Faults.Add(rule);
    public void ClearFaults() => _state.Faults.Clear();

    /// <summary>A copy of the settings in force (changing it changes nothing: use <see cref="UpdateConfig"/>).</summary>
    public EmulatorOptions GetConfig() => _state.Config.Copy();

    /// <summary>
    /// Changes settings while the emulator runs, e.g. <c>UpdateConfig(c =&gt; c.RateLimitStatus = 10)</c>: <paramref name="change"/>
    /// edits a copy, which is checked as the command line is and then takes effect at once. Only settings with a config
    /// name in <see cref="EmulatorSettings.All"/> may change. Returns a copy of the new settings.
    /// </summary>
    /// <exception cref="ArgumentException">A value out of range, or a change of a setting fixed at start; nothing changes.</exception>
    public EmulatorOptions UpdateConfig(Action<EmulatorOptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return _state.UpdateConfig(change).Copy();
    }

    /// <summary>Adds a key or sets its credits.</summary>
    public void SetCredits(string key, long credits)
    {
        if (string.IsNullOrWhiteSpace(key)) throw new ArgumentException("The key must not be empty.", nameof(key));
        _state.Keys.SetCredits(key, credits);
    }

    public long? GetCredits(string key) => _state.Keys.GetCredits(key);

    public IReadOnlyList<EmulatorJobInfo> GetJobs()
    {
        var now = Stopwatch.GetTimestamp();
        return _state.Jobs.All
            .Select(j => new EmulatorJobInfo(j.Uuid, j.KeyFingerprint, j.GenerationType, j.Prompt, j.StateAt(now).Status, j.CreatedAt))
            .ToList();
    }

    /// <summary>
    /// Length and SHA-256 of the video the CDN serves for the job (whatever its status); with <paramref name="version"/>, of
    /// that version of a changing video (<c>--changing-video</c>). Null for an unknown uuid.
    /// </summary>
    public async Task<EmulatorVideoInfo?> GetVideoInfoAsync(string uuid, int? version = null)
    {
        if (_state.Jobs.Find(uuid) is null) return null;
        var length = _state.Video.LengthFor(_state.Config.VideoBytes);
        if (version is not { } v || v <= 0) return new EmulatorVideoInfo(length, await _state.Video.Sha256Async(length));
        length = _state.Video.VersionedLength(length);
        return new EmulatorVideoInfo(length, await _state.Video.Sha256Async(length, Mp4Video.FillFor(v)));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _state.SignalStopping();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await Task.WhenAll(_api.StopAsync(timeout.Token), _cdn.StopAsync(timeout.Token),
                _proxy?.StopAsync(timeout.Token) ?? Task.CompletedTask);
        }
        catch (OperationCanceledException) { }
        if (_proxy is not null) await _proxy.DisposeAsync();
        _proxyEndpoints?.Dispose();
        await _api.DisposeAsync();
        await _cdn.DisposeAsync();
        _state.Dispose();
    }

    /// <summary>No Ctrl+C handling inside the host: the command line (Program) and tests decide when to stop.</summary>
    private sealed class QuietHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
