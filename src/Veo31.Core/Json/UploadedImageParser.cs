using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Json
{
    internal static class UploadedImageParser
    {
        public static UploadedImageInfo Parse(JsonElement data)
        {
            if (data.ValueKind != JsonValueKind.Object)
                throw VeoErrors.InvalidResponse("data is " + VideoJobParser.Describe(data) + ", expected an object");
            return new UploadedImageInfo
            {
                ImageUrl = RequiredText(data, "imageUrl"),
                ImageKey = RequiredText(data, "imageKey"),
            };
        }

        private static string RequiredText(JsonElement data, string name)
        {
            if (!ApiEnvelopeReader.TryGetProperty(data, name, out JsonElement e) || !JsonValues.IsScalarOrNull(e)
                || string.IsNullOrWhiteSpace(JsonValues.ReadText(e)))
                throw VeoErrors.InvalidResponse("data." + name + " is missing or not a string");
            return JsonValues.ReadText(e)!;
        }
    }
}
