using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Veo31.Emulator;

/// <summary>An API error: the envelope code, its HTTP status (unless errorsHttp200) and message.</summary>
internal sealed record ApiError(int Code, int HttpStatus, string Msg, Action<Utf8JsonWriter>? WriteData = null, int? RetryAfter = null)
{
    public static ApiError Invalid(string detail) => new(1000, 400, "Invalid parameters: " + detail);
    public static ApiError UnknownUuid(string uuid) => new(1000, 404, $"Invalid parameters: no video with uuid '{uuid}'");
    public static ApiError TooLarge(long limit) => new(1000, 413, $"Invalid parameters: file is larger than {limit} bytes");
    public static ApiError AuthenticationFailed() => new(1002, 401, "Authentication failed");
    public static ApiError RateLimited(int retryAfter) => new(1003, 429, "Rate limit exceeded", RetryAfter: retryAfter);
    public static ApiError ServerError() => new(5000, 500, "Server error");

    public static ApiError InsufficientCredits(long current) => new(1001, 402, "Insufficient credits", w =>
    {
        w.WriteStartObject();
        w.WriteNumber("required", KeyStore.CreditsPerGeneration);
        w.WriteNumber("current", current);
        w.WriteEndObject();
    });
}

/// <summary>Writes the <c>{ "code", "msg", "data" }</c> envelope.</summary>
internal static class ApiResponses
{
    public static Task WriteSuccessAsync(HttpContext context, string msg, Action<Utf8JsonWriter> writeData) =>
        WriteEnvelopeAsync(context, 200, 0, msg, writeData);

    public static Task WriteErrorAsync(HttpContext context, ApiError error, bool errorsHttp200)
    {
        if (error.RetryAfter is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteEnvelopeAsync(context, errorsHttp200 ? 200 : error.HttpStatus, error.Code, error.Msg, error.WriteData);
    }

    public static Task WriteEnvelopeAsync(HttpContext context, int httpStatus, int code, string msg, Action<Utf8JsonWriter>? writeData) =>
        WriteJsonAsync(context, httpStatus, Envelope(code, msg, writeData));

    public static byte[] Envelope(int code, string msg, Action<Utf8JsonWriter>? writeData)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = EmulatorState.Json.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("code", code);
            writer.WriteString("msg", msg);
            writer.WritePropertyName("data");
            if (writeData is null) writer.WriteNullValue();
            else writeData(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static async Task WriteJsonAsync(HttpContext context, int httpStatus, byte[] body)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = "application/json; charset=utf-8";
        body = ResponseCoding.Apply(context, body);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    public static Task WriteObjectAsync<T>(HttpContext context, int httpStatus, T value) =>
        WriteJsonAsync(context, httpStatus, JsonSerializer.SerializeToUtf8Bytes(value, EmulatorState.Json));
}
