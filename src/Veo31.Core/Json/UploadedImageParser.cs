using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Models;
using Veo31.Core.Text;

namespace Veo31.Core.Json
{
    internal static class UploadedImageParser
    {
        public static UploadedImageInfo Parse(JsonElement data)
        {
            if (data.ValueKind != JsonValueKind.Object)
                // Stryker disable once String : message wording
                throw VeoErrors.InvalidResponse("data is " + VideoJobParser.Describe(data) + ", expected an object");
            return new UploadedImageInfo
            {
                ImageUrl = ServerText.Url(RequiredText(data, "imageUrl"))!,
                ImageKey = PrintableId(RequiredText(data, "imageKey"), "imageKey"),
            };
        }

        /// <summary>The key is sent back to the API with a generation, so it is refused rather than changed when not printable.</summary>
        private static string PrintableId(string text, string name)
        {
            if (!ServerText.IsSafe(text)) throw VeoErrors.InvalidResponse("data." + name + " contains control characters");
            return text;
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
