using System.Net;
using System.Net.Sockets;
using System.Text;
using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

public class ProxyTests
{
    [Fact]
    public async Task Requests_go_through_an_environment_style_proxy_even_to_loopback()
    {
        using var proxy = new RecordingProxy();
        int apiPort = EmulatorHarness.ClosedLoopbackPort(); // nothing listens there: only the proxy can answer
        var options = EmulatorHarness.FastOptions(new Uri($"http://127.0.0.1:{apiPort}/api"));
        options.Proxy = EnvironmentProxy.FromVariables(name => name == "HTTP_PROXY" ? proxy.Uri.ToString() : null);
        using var client = new VeoClient(options, EmulatorHarness.Secure(EmulatorHarness.Key));

        var job = await client.GetVideoStatusAsync("u-1", CancellationToken.None);

        Assert.Equal("u-1", job.Uuid);
        string request = Assert.Single(proxy.Requests);
        Assert.StartsWith($"GET http://127.0.0.1:{apiPort}/api/video-status/u-1 HTTP/1.1", request);
    }

    [Fact]
    public async Task No_proxy_sends_loopback_traffic_direct()
    {
        using var proxy = new RecordingProxy();
        await using var h = await EmulatorHarness.StartAsync(client: o =>
            o.Proxy = EnvironmentProxy.FromVariables(name => name switch
            {
                "HTTP_PROXY" => proxy.Uri.ToString(),
                "NO_PROXY" => "localhost,127.0.0.1",
                _ => null,
            }));
        var job = await h.GenerateAsync();
        Assert.False(string.IsNullOrEmpty(job.Uuid));
        Assert.Empty(proxy.Requests);
    }

    /// <summary>A minimal HTTP proxy on loopback that records each request head and answers a status envelope itself.</summary>
    private sealed class RecordingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Requests = new();

        public RecordingProxy()
        {
            _listener.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _ = AcceptLoopAsync();
        }

        public Uri Uri { get; }

        private async Task AcceptLoopAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = ServeAsync(socket);
                }
            }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
        }

        private async Task ServeAsync(TcpClient socket)
        {
            using (socket)
            {
                var stream = socket.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n"))
                {
                    int n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                Requests.Enqueue(head.ToString());
                byte[] body = Encoding.UTF8.GetBytes("{\"code\":0,\"msg\":\"Success\",\"data\":{\"uuid\":\"u-1\",\"status\":\"pending\"}}");
                byte[] response = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(response, _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
