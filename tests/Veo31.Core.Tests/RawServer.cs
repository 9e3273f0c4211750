using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Veo31.Core.Tests;

/// <summary>A raw HTTP/1.1 server on loopback: each connection gets the next handler; it reads the request head and writes what it likes.</summary>
internal sealed class RawServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, NetworkStream, Task> _handler;
    private int _n;
    public List<string> Requests { get; } = new();

    public RawServer(Func<int, string, NetworkStream, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public Uri Base => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Writes a response head given with \n line ends, and the blank line that ends it.</summary>
    public static async Task WriteHead(NetworkStream s, string head)
        => await s.WriteAsync(Encoding.ASCII.GetBytes(head.Replace("\n", "\r\n") + "\r\n"));

    private async Task LoopAsync()
    {
        while (true)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(); } catch { return; }
            _ = Task.Run(async () =>
            {
                using (c)
                {
                    var s = c.GetStream();
                    var head = new StringBuilder();
                    var one = new byte[1];
                    while (!head.ToString().EndsWith("\r\n\r\n"))
                    {
                        if (await s.ReadAsync(one) == 0) return;
                        head.Append((char)one[0]);
                    }
                    int n = Interlocked.Increment(ref _n);
                    lock (Requests) Requests.Add(head.ToString());
                    try { await _handler(n, head.ToString(), s); } catch { }
                }
            });
        }
    }

    public void Dispose() => _listener.Stop();
}
