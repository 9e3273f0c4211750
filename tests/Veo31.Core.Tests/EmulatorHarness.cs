using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Logging;
using Veo31.Core.Models;
using Veo31.Emulator;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>An emulator on free loopback ports and a client pointed at it, with fast retry delays.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string Key = "sk-canary-7f3e9a1c5b";

    private EmulatorHarness(EmulatorServer server, VeoClient client, string tempDir)
    {
        Server = server;
        Client = client;
        TempDir = tempDir;
    }

    public EmulatorServer Server { get; }
    public VeoClient Client { get; }
    public string TempDir { get; }

    public static async Task<EmulatorHarness> StartAsync(Action<EmulatorOptions>? emulator = null, Action<VeoClientOptions>? client = null,
        string? clientKey = null)
    {
        var options = new EmulatorOptions { Keys = new List<string> { Key }, JobSeconds = 0.3, Seed = 1234 };
        emulator?.Invoke(options);
        var server = await EmulatorServer.StartAsync(options);
        var clientOptions = FastOptions(server.ApiBaseUri);
        client?.Invoke(clientOptions);
        var veo = new VeoClient(clientOptions, Secure(clientKey ?? Key));
        return new EmulatorHarness(server, veo, Directory.CreateTempSubdirectory("veo-it-").FullName);
    }

    public static VeoClientOptions FastOptions(Uri baseUri) => new()
    {
        BaseUri = baseUri,
        MaxRetryCount = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(400),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(10),
        TotalTimeout = TimeSpan.FromSeconds(30),
    };

    public static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    public void Fault(string endpoint, string kind, double rate = 1.0, int? count = null, int retryAfter = 1, string? value = null, int delayMs = 0)
        => Server.AddFault(new FaultRule { Endpoint = endpoint, Kind = kind, Rate = rate, Count = count, RetryAfter = retryAfter, Value = value, DelayMs = delayMs });

    public long Requests(string endpoint) => Server.GetStats().Requests.TryGetValue(endpoint, out long n) ? n : 0;

    public async Task<VideoJobInfo> GenerateAsync(string prompt = "a red fox in the snow")
        => await Client.GenerateVideoAsync(new GenerateVideoRequest { Prompt = prompt }, CancellationToken.None);

    public async Task<VideoJobInfo> WaitCompletedAsync(string uuid, TimeSpan? limit = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var job = await Client.GetVideoStatusAsync(uuid, CancellationToken.None);
            if (job.Status is VideoStatus.Completed or VideoStatus.Failed) return job;
            Assert.True(deadline.Elapsed < (limit ?? TimeSpan.FromSeconds(20)), "job did not finish in time");
            await Task.Delay(50);
        }
    }

    public static void AssertNoKey(Exception ex)
    {
        Assert.DoesNotContain(Key, ex.ToString());
        Assert.DoesNotContain(Key, ex.Message);
    }

    public static int ClosedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try { Directory.Delete(TempDir, true); } catch (IOException) { }
    }
}

/// <summary>Collects what Core logs, to check what it shows and that the key never appears.</summary>
internal sealed class RecordingLog : IVeoLog
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
    public bool IsVerboseEnabled => true;
    public bool IsDebugEnabled => true;
    public void Verbose(string message) => _lines.Enqueue("VERBOSE: " + message);
    public void Debug(string message) => _lines.Enqueue("DEBUG: " + message);
    public IReadOnlyList<string> Lines => _lines.ToArray();
}
