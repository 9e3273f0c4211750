using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using Veo31.Core.Models;

namespace Veo31.Core.Json
{
    internal static class RequestJson
    {
        public static byte[] GenerateVideoBody(GenerateVideoRequest request)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("generationType", request.GenerationType);
                writer.WriteString("prompt", request.Prompt);
                writer.WriteString("aspectRatio", string.IsNullOrEmpty(request.AspectRatio) ? "auto" : request.AspectRatio);
                if (request.ImageUrl != null) writer.WriteString("imageUrl", request.ImageUrl);
                if (request.ImageKey != null) writer.WriteString("imageKey", request.ImageKey);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }
    }
}
