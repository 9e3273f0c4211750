using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Veo31.Core.Http;
using Veo31.Core.Upload;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>Uploads are byte-compatible with <c>curl -F file=@...</c> (the provider's own example) and pass a strict RFC 7578 parser.</summary>
public class UploadTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
    private static string SamplePng => Fixture("sample.png");

    // The names Capture-CurlUpload.ps1 gave curl for each recorded request.
    public static TheoryData<string, string> CurlCases => new()
    {
        { "plain", "sample.png" },
        { "non-ascii", "føto über 日本.png" },
        { "escapes", "a \"quoted\" name\r\nwith a line break.png" },
    };

    [Theory]
    [MemberData(nameof(CurlCases))]
    public async Task The_multipart_body_is_byte_for_byte_what_curl_sends(string fixture, string fileName)
    {
        var curl = RawRequest.Parse(await File.ReadAllBytesAsync(Fixture(Path.Combine("curl-upload", fixture + ".request.bin"))));
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(SamplePng));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var content = new MultipartFileContent("file", fileName, file, curl.Boundary);

        Assert.Equal(curl.Body, await content.ReadAsByteArrayAsync());
        Assert.Equal(curl.Header("Content-Type"), content.Headers.ContentType!.ToString());
        Assert.Equal(long.Parse(curl.Header("Content-Length")!), content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("plain", "sample.png")]
    [InlineData("non-ascii", "føto über 日本.png")]
    public async Task An_upload_sends_the_header_bytes_curl_sends_for_the_same_file(string fixture, string fileName)
    {
        var curl = RawRequest.Parse(await File.ReadAllBytesAsync(Fixture(Path.Combine("curl-upload", fixture + ".request.bin"))));
        string dir = Directory.CreateTempSubdirectory("veo-upload-").FullName;
        try
        {
            string path = Path.Combine(dir, fileName);
            File.Copy(SamplePng, path);
            using var server = new OneRequestServer("""{"code":0,"msg":"Upload successful","data":{"imageUrl":"http://127.0.0.1/i.png","imageKey":"k1"}}""");
            using var client = new VeoClient(EmulatorHarness.FastOptions(server.BaseUri), EmulatorHarness.Secure("k"));

            var image = await client.UploadImageAsync(path, null, CancellationToken.None);
            var ours = RawRequest.Parse(await server.Received);

            Assert.Equal("k1", image.ImageKey);
            Assert.Matches("^-{24}[0-9a-f]{16}$", ours.Boundary);
            Assert.Equal(curl.Header("Content-Type")!.Replace(curl.Boundary, "BOUNDARY"), ours.Header("Content-Type")!.Replace(ours.Boundary, "BOUNDARY"));
            Assert.Equal(curl.Header("Content-Length"), ours.Header("Content-Length"));
            Assert.Equal(curl.BodyWith("BOUNDARY"), ours.BodyWith("BOUNDARY"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_non_ascii_name_with_quotes_passes_the_strict_parser_and_keeps_every_character()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string name = "føto \"über\" 日本.png";
        string path = Path.Combine(h.TempDir, name);
        File.Copy(SamplePng, path);

        var image = await h.Client.UploadImageAsync(path, null, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(image.ImageKey));
        Assert.Equal(new[] { "føto %22über%22 日本.png" }, h.Server.GetStats().UploadFileNames);
    }

    [Theory]
    [InlineData("back\\slash.png")]
    [InlineData("ends with a backslash\\.png")]
    public async Task A_backslash_in_a_name_is_an_ordinary_character_as_curl_sends_it(string name)
    {
        if (Path.DirectorySeparatorChar == '\\') return; // not a file name character on Windows
        await using var h = await EmulatorHarness.StartAsync();
        string path = Path.Combine(h.TempDir, name);
        File.Copy(SamplePng, path);
        await h.Client.UploadImageAsync(path, null, CancellationToken.None);
        Assert.Equal(new[] { name }, h.Server.GetStats().UploadFileNames);
    }

    /// <summary>An HTTP request as bytes: its header lines and its body.</summary>
    private sealed class RawRequest
    {
        private readonly string[] _headers;

        private RawRequest(string[] headers, byte[] body)
        {
            _headers = headers;
            Body = body;
            string type = Header("Content-Type") ?? "";
            Boundary = type.Substring(type.IndexOf("boundary=", StringComparison.Ordinal) + "boundary=".Length);
        }

        public byte[] Body { get; }
        public string Boundary { get; }

        public string? Header(string name) => _headers
            .Where(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(h => h[(name.Length + 1)..].Trim()).SingleOrDefault();

        /// <summary>The body with the boundary replaced (the only part allowed to differ).</summary>
        public byte[] BodyWith(string placeholder)
            => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(Body).Replace(Boundary, placeholder));

        public static RawRequest Parse(byte[] raw)
        {
            string text = Encoding.Latin1.GetString(raw);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(end > 0, "no end of headers");
            return new RawRequest(text[..end].Split("\r\n"), raw[(end + 4)..]);
        }
    }

    /// <summary>A loopback listener that records one request byte for byte and answers it with a JSON body.</summary>
    private sealed class OneRequestServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public OneRequestServer(string answerJson)
        {
            _listener.Start();
            BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/");
            Received = ServeAsync(Encoding.UTF8.GetBytes(answerJson));
        }

        public Uri BaseUri { get; }
        public Task<byte[]> Received { get; }

        private async Task<byte[]> ServeAsync(byte[] answer)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new MemoryStream();
            var chunk = new byte[65536];
            while (true)
            {
                int read = await stream.ReadAsync(chunk);
                if (read == 0) break;
                request.Write(chunk, 0, read);
                string text = Encoding.Latin1.GetString(request.ToArray());
                int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                var length = System.Text.RegularExpressions.Regex.Match(text, @"(?im)^Content-Length:\s*(\d+)");
                if (end >= 0 && length.Success && request.Length >= end + 4 + long.Parse(length.Groups[1].Value)) break;
            }
            byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {answer.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head);
            await stream.WriteAsync(answer);
            return request.ToArray();
        }

        public void Dispose() => _listener.Stop();
    }
}
