using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>An answer as the client saw it.</summary>
internal sealed record Reply(HttpStatusCode Status, HttpResponseMessage Message, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public int Code => Json.GetProperty("code").GetInt32();
    public JsonElement Data => Json.GetProperty("data");

    /// <summary>Asserts the exact envelope shape <c>{"code":..,"msg":..,"data":..}</c>, in that order, and the code.</summary>
    public Reply AssertEnvelope(int code, HttpStatusCode status)
    {
        Assert.Equal(status, Status);
        Assert.StartsWith("application/json", Message.Content.Headers.ContentType?.MediaType);
        var names = Json.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "code", "msg", "data" }, names);
        Assert.Equal(code, Code);
        Assert.Equal(JsonValueKind.String, Json.GetProperty("msg").ValueKind);
        return this;
    }
}

/// <summary>A started in-process emulator and an HttpClient for it (no automatic redirects).</summary>
internal sealed class TestEmulator : IAsyncDisposable
{
    private TestEmulator(EmulatorServer server)
    {
        Server = server;
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public EmulatorServer Server { get; }
    public HttpClient Http { get; }
    public string Api => Server.ApiBaseUri.ToString();
    public string Control => Server.ControlBaseUri.ToString();

    public static async Task<TestEmulator> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { JobSeconds = 1 };
        configure?.Invoke(options);
        return new TestEmulator(await EmulatorServer.StartAsync(options));
    }

    public HttpRequestMessage ApiRequest(HttpMethod method, string path, string? key = "")
    {
        var request = new HttpRequestMessage(method, Api + "/" + path);
        key = key == "" ? Server.ApiKey : key;
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    public async Task<Reply> SendAsync(HttpRequestMessage request, HttpClient? client = null)
    {
        var response = await (client ?? Http).SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, response, body);
    }

    public Task<Reply> GenerateAsync(object body, string? key = "")
    {
        var request = ApiRequest(HttpMethod.Post, "generate-video", key);
        request.Content = JsonContent.Create(body);
        return SendAsync(request);
    }

    public Task<Reply> GenerateRawAsync(string json, string? key = "")
    {
        var request = ApiRequest(HttpMethod.Post, "generate-video", key);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return SendAsync(request);
    }

    public async Task<string> NewJobAsync(string prompt = "a red fox in the snow")
    {
        var reply = await GenerateAsync(new { generationType = "text_to_video", prompt });
        reply.AssertEnvelope(0, HttpStatusCode.OK);
        return reply.Data.GetProperty("uuid").GetString()!;
    }

    public Task<Reply> StatusAsync(string uuid, string? key = "") => SendAsync(ApiRequest(HttpMethod.Get, "video-status/" + uuid, key));

    public Task<Reply> UploadAsync(byte[] content, string fieldName = "file", string fileName = "image.png", string? key = "")
    {
        // As curl -F sends it (quoted name and filename, no filename*): the emulator's parser is strict (RFC 7578).
        var disposition = $"form-data; name=\"{fieldName}\"; filename=\"{fileName}\"";
        return UploadRawAsync(content, disposition, key);
    }

    /// <summary>An upload whose part carries exactly this Content-Disposition header value.</summary>
    public Task<Reply> UploadRawAsync(byte[] content, string contentDisposition, string? key = "")
    {
        var request = ApiRequest(HttpMethod.Post, "upload-video-image", key);
        var form = new MultipartFormDataContent { HeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        file.Headers.TryAddWithoutValidation("Content-Disposition", contentDisposition);
        form.Add(file);
        request.Content = form;
        return SendAsync(request);
    }

    /// <summary>Polls until the job is completed or failed.</summary>
    public async Task<JsonElement> WaitForEndAsync(string uuid, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var data = (await StatusAsync(uuid)).AssertEnvelope(0, HttpStatusCode.OK).Data;
            var status = data.GetProperty("status").GetString();
            if (status is "completed" or "failed") return data;
            Assert.True(DateTime.UtcNow < deadline, $"job {uuid} still {status}");
            await Task.Delay(50);
        }
    }

    public async Task<JsonElement> ControlGetAsync(string path)
    {
        var body = await Http.GetStringAsync(Control + "/" + path);
        return JsonDocument.Parse(body).RootElement;
    }

    public async Task<HttpResponseMessage> ControlPostAsync(string path, string json) =>
        await Http.PostAsync(Control + "/" + path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public static byte[] Png(int size = 64)
    {
        var bytes = new byte[size];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] Jpeg(int size = 64)
    {
        var bytes = new byte[size];
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] WebP(int size = 64)
    {
        var bytes = new byte[size];
        "RIFF"u8.CopyTo(bytes);
        "WEBP"u8.CopyTo(bytes.AsSpan(8));
        return bytes;
    }
}
