using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Veo31.Emulator.Tests;

/// <summary>The recording forward proxy (<c>--proxy-urls</c>).</summary>
public class ProxyTests
{
    private static Task<TestEmulator> StartAsync(Action<EmulatorOptions>? configure = null) =>
        TestEmulator.StartAsync(o => { o.JobSeconds = 0.05; o.ProxyUrls = "http://127.0.0.1:0"; configure?.Invoke(o); });

    /// <summary>A client that sends everything through the emulator's proxy (loopback included).</summary>
    private static HttpClient ProxiedClient(EmulatorServer server, ICredentials? credentials = null) =>
        new(new SocketsHttpHandler
        {
            Proxy = new WebProxy(server.ProxyUri!) { BypassProxyOnLocal = false, Credentials = credentials },
            UseProxy = true,
            AllowAutoRedirect = false,
        }) { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Without_the_option_there_is_no_proxy_and_three_lines()
    {
        await using var emu = await TestEmulator.StartAsync();
        Assert.Null(emu.Server.ProxyUri);
        Assert.Equal(3, emu.Server.AnnouncementLines.Count);
        Assert.Empty(emu.Server.GetStats().ProxyRequests);
        var json = await emu.ControlGetAsync("stats");
        Assert.Equal(0, json.GetProperty("proxyRequests").GetArrayLength());
    }

    [Fact]
    public async Task It_listens_on_a_third_port_and_announces_a_fourth_line()
    {
        await using var emu = await StartAsync();
        var proxy = emu.Server.ProxyUri!;
        Assert.Equal("127.0.0.1", proxy.Host);
        Assert.NotEqual(emu.Server.ApiBaseUri.Port, proxy.Port);
        Assert.NotEqual(emu.Server.CdnBaseUri.Port, proxy.Port);
        Assert.Equal(4, emu.Server.AnnouncementLines.Count);
        Assert.Equal($"VEO_EMULATOR_PROXY=http://127.0.0.1:{proxy.Port}", emu.Server.AnnouncementLines[3]);
    }

    [Fact]
    public async Task Api_calls_are_forwarded_with_headers_and_body_and_recorded()
    {
        await using var emu = await StartAsync();
        using var client = ProxiedClient(emu.Server);

        var generate = emu.ApiRequest(HttpMethod.Post, "generate-video");
        generate.Content = JsonContent.Create(new { generationType = "text_to_video", prompt = "through the proxy" });
        var created = (await emu.SendAsync(generate, client)).AssertEnvelope(0, HttpStatusCode.OK);
        var uuid = created.Data.GetProperty("uuid").GetString()!;
        Assert.Equal("through the proxy", created.Data.GetProperty("prompt").GetString());

        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), client)).AssertEnvelope(0, HttpStatusCode.OK);
        // The key travelled through: a request without it is refused by the API behind the proxy.
        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid, key: null), client)).AssertEnvelope(1002, HttpStatusCode.Unauthorized);

        var stats = emu.Server.GetStats();
        Assert.Equal(1, stats.Generations);
        Assert.Equal(2, stats.Requests["video-status"]);
        Assert.Equal(
            [
                ("POST", $"{emu.Api}/generate-video", 200),
                ("GET", $"{emu.Api}/video-status/{uuid}", 200),
                ("GET", $"{emu.Api}/video-status/{uuid}", 401),
            ],
            stats.ProxyRequests.Select(r => (r.Method, r.Url, r.Status)));
        Assert.All(stats.ProxyRequests, r => { Assert.False(r.ProxyAuthorization); Assert.Null(r.ProxyUser); });

        var json = await emu.ControlGetAsync("stats");
        var first = json.GetProperty("proxyRequests")[0];
        Assert.Equal($"{emu.Api}/generate-video", first.GetProperty("url").GetString());
        Assert.False(first.GetProperty("proxyAuthorization").GetBoolean());
    }

    [Fact]
    public async Task Cdn_downloads_stream_through_with_ranges()
    {
        await using var emu = await StartAsync(o => o.VideoBytes = 300_000);
        var uuid = await emu.NewJobAsync();
        var url = (await emu.WaitForEndAsync(uuid)).GetProperty("videoUrl").GetString()!;
        using var client = ProxiedClient(emu.Server);

        var whole = await client.GetByteArrayAsync(url);
        Assert.Equal((await emu.Server.GetVideoInfoAsync(uuid))!.Sha256, Convert.ToHexStringLower(SHA256.HashData(whole)));

        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(1000, null);
        var partial = await client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(whole[1000..], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(299_000, partial.Content.Headers.ContentLength);

        Assert.Equal(new[] { 200, 206 }, emu.Server.GetStats().ProxyRequests.Select(r => r.Status));
        Assert.Equal(2, emu.Server.GetStats().Requests["cdn-video"]);
    }

    [Fact]
    public async Task Non_loopback_targets_are_refused_with_403_without_connecting()
    {
        await using var emu = await StartAsync();
        using var client = ProxiedClient(emu.Server);
        // 192.0.2.1 is TEST-NET-1: the proxy must answer itself, never try to reach it.
        var response = await client.GetAsync("http://192.0.2.1/api/video-status/x");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var response2 = await client.GetAsync("http://example.com/");
        Assert.Equal(HttpStatusCode.Forbidden, response2.StatusCode);
        Assert.Equal(new[] { ("http://192.0.2.1/api/video-status/x", 403), ("http://example.com/", 403) },
            emu.Server.GetStats().ProxyRequests.Select(r => (r.Url, r.Status)));
    }

    [Fact]
    public async Task An_origin_form_request_is_not_a_proxy_request()
    {
        await using var emu = await StartAsync();
        var response = await emu.Http.GetAsync(emu.Server.ProxyUri + "api/video-status/x");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_dropped_target_connection_is_a_502()
    {
        await using var emu = await StartAsync(o => o.JobSeconds = 60);
        var uuid = await emu.NewJobAsync();
        emu.Server.AddFault(new FaultRule { Endpoint = "video-status", Kind = FaultKinds.Drop, Count = 1 });
        using var client = ProxiedClient(emu.Server);
        var reply = await client.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid));
        Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), client)).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_truncated_download_is_cut_short_for_the_client_too()
    {
        await using var emu = await StartAsync(o => o.VideoBytes = 200_000);
        var uuid = await emu.NewJobAsync();
        var url = (await emu.WaitForEndAsync(uuid)).GetProperty("videoUrl").GetString()!;
        emu.Server.AddFault(new FaultRule { Endpoint = "cdn-video", Kind = FaultKinds.Truncate, Count = 1 });
        using var client = ProxiedClient(emu.Server);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetByteArrayAsync(url));
        Assert.Equal(200_000, (await client.GetByteArrayAsync(url)).Length);
    }

    [Fact]
    public async Task Require_auth_answers_407_until_the_right_basic_credentials_come()
    {
        await using var emu = await StartAsync(o => o.ProxyRequireAuth = "proxy-user:proxy-pass");
        var uuid = await emu.NewJobAsync();

        using (var anonymous = ProxiedClient(emu.Server))
        {
            var refused = await anonymous.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid));
            Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, refused.StatusCode);
            Assert.Equal("Basic realm=\"veo\"", refused.Headers.ProxyAuthenticate.Single().ToString());
        }
        using (var wrong = ProxiedClient(emu.Server, new NetworkCredential("proxy-user", "nope")))
        {
            var refused = await wrong.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid));
            Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, refused.StatusCode);
        }
        var before = emu.Server.GetStats().Requests["video-status"];
        Assert.Equal(0, before);

        using var right = ProxiedClient(emu.Server, new NetworkCredential("proxy-user", "proxy-pass"));
        (await emu.SendAsync(emu.ApiRequest(HttpMethod.Get, "video-status/" + uuid), right)).AssertEnvelope(0, HttpStatusCode.OK);

        var recorded = emu.Server.GetStats().ProxyRequests;
        var forwarded = Assert.Single(recorded, r => r.Status == 200);
        Assert.True(forwarded.ProxyAuthorization);
        Assert.Equal("proxy-user", forwarded.ProxyUser);
        Assert.Contains(recorded, r => r.Status == 407 && r.ProxyAuthorization && r.ProxyUser == "proxy-user");
        Assert.Contains(recorded, r => r.Status == 407 && !r.ProxyAuthorization);
        Assert.Equal(1, emu.Server.GetStats().Requests["video-status"]);
    }

    [Fact]
    public async Task Reset_forgets_the_proxy_requests()
    {
        await using var emu = await StartAsync();
        using var client = ProxiedClient(emu.Server);
        await client.GetAsync(emu.Control + "/jobs");
        Assert.Single(emu.Server.GetStats().ProxyRequests);
        emu.Server.ResetStats();
        Assert.Empty(emu.Server.GetStats().ProxyRequests);
    }

    [Fact]
    public async Task A_raw_absolute_form_request_works()
    {
        await using var emu = await StartAsync();
        var proxy = emu.Server.ProxyUri!;
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        var stream = socket.GetStream();
        var target = $"{emu.Control}/config";
        var host = new Uri(target).Authority;
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        var answer = await new StreamReader(stream).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Contains("\"jobSeconds\"", answer);
        Assert.Equal(target, Assert.Single(emu.Server.GetStats().ProxyRequests).Url);
    }

    [Theory]
    [InlineData("CONNECT 127.0.0.1:443 HTTP/1.1", "127.0.0.1:443")]
    [InlineData("CONNECT localhost:443 HTTP/1.1", "localhost:443")]
    [InlineData("GET /api/video-status/x HTTP/1.1", "127.0.0.1")]
    public async Task Tunnels_and_origin_form_targets_get_400(string requestLine, string host)
    {
        await using var emu = await StartAsync();
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, emu.Server.ProxyUri!.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = await new StreamReader(stream).ReadToEndAsync(timeout.Token);
        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Equal(0, emu.Server.GetStats().Requests.Values.Sum());
    }

    [Theory]
    [InlineData("--proxy-urls", "http://0.0.0.0:0")]
    [InlineData("--proxy-urls", "https://127.0.0.1:0")]
    public void Bad_proxy_options_are_refused(string name, string value)
        => Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse([name, value]));

    [Fact]
    public void Require_auth_needs_user_password_and_a_proxy()
    {
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--proxy-urls", "http://127.0.0.1:0", "--proxy-require-auth", "nocolon"]));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--proxy-require-auth", "u:p"]));
        var options = EmulatorOptions.Parse(["--proxy-urls", "http://127.0.0.1:0", "--proxy-require-auth", "u:p:with:colons"]);
        Assert.Equal("http://127.0.0.1:0", options.ProxyUrls);
        Assert.Equal("u:p:with:colons", options.ProxyRequireAuth);
    }
}
