using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Veo31.Emulator;

/// <summary>Success-shaped answers the content faults send without doing the request's work.</summary>
internal static class CannedBodies
{
    public static byte[] Success(string endpoint, HttpContext context, EmulatorState state)
    {
        var createdAt = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return endpoint switch
        {
            EmulatorEndpoints.GenerateVideo => ApiResponses.Envelope(0, "Success", w =>
            {
                w.WriteStartObject();
                w.WriteString("uuid", Guid.NewGuid().ToString("D"));
                w.WriteString("status", JobStatus.Pending);
                w.WriteString("generationType", "text_to_video");
                w.WriteString("prompt", "canned answer of a fault rule");
                w.WriteString("aspectRatio", "auto");
                w.WriteString("createdAt", createdAt);
                w.WriteEndObject();
            }),
            EmulatorEndpoints.UploadVideoImage => ApiResponses.Envelope(0, "Upload successful", w =>
            {
                w.WriteStartObject();
                w.WriteString("imageUrl", state.ImageUrlOf("img-canned.png"));
                w.WriteString("imageKey", "img-canned.png");
                w.WriteEndObject();
            }),
            _ => ApiResponses.Envelope(0, "Success", w =>
            {
                w.WriteStartObject();
                w.WriteString("uuid", LastPathSegment(context));
                w.WriteString("status", JobStatus.Processing);
                w.WriteString("generationType", "text_to_video");
                w.WriteString("prompt", "canned answer of a fault rule");
                w.WriteString("aspectRatio", "auto");
                w.WriteString("createdAt", createdAt);
                w.WriteNumber("progress", 50);
                w.WriteNumber("estimatedTime", 2);
                w.WriteEndObject();
            }),
        };
    }

    public static byte[] WrongTypes(string endpoint) => endpoint switch
    {
        EmulatorEndpoints.GenerateVideo =>
            "{\"code\":0,\"msg\":\"Success\",\"data\":{\"uuid\":123,\"status\":\"pending\",\"generationType\":\"text_to_video\",\"prompt\":[\"not\",\"a\",\"string\"],\"aspectRatio\":16,\"createdAt\":1760608800}}"u8.ToArray(),
        EmulatorEndpoints.UploadVideoImage =>
            "{\"code\":0,\"msg\":\"Upload successful\",\"data\":{\"imageUrl\":123,\"imageKey\":456}}"u8.ToArray(),
        _ =>
            "{\"code\":0,\"msg\":\"Success\",\"data\":{\"uuid\":123,\"status\":\"processing\",\"progress\":\"85\",\"estimatedTime\":\"120\",\"createdAt\":1760608800}}"u8.ToArray(),
    };

    private static string LastPathSegment(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return path[(path.LastIndexOf('/') + 1)..];
    }
}
