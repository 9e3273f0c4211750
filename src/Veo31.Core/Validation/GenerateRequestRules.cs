using System;
using System.Globalization;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Validation
{
    /// <summary>The rules a generation request meets before it is sent, so bad input costs nothing.</summary>
    public static class GenerateRequestRules
    {
        public static readonly string[] AspectRatios = { "auto", "16:9", "9:16" };

        /// <summary>Throws InvalidParameters for an empty, too long or control-character prompt, or a bad aspect ratio.</summary>
        public static void ValidateGenerateRequest(GenerateVideoRequest request, int maxPromptLength)
        {
            if (request == null) throw new VeoException(VeoErrorKind.InvalidParameters, "A generation request is required.");
            ValidatePrompt(request.Prompt, maxPromptLength);
            ValidateAspectRatio(request.AspectRatio ?? "auto");
            if (request.ImageUrl != null && request.ImageUrl.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image URL is empty.");
            if (request.ImageKey != null && request.ImageKey.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The image key is empty.");
        }

        /// <summary>Throws InvalidParameters unless the aspect ratio is auto, 16:9 or 9:16 (exactly, lower case).</summary>
        public static void ValidateAspectRatio(string ratio)
        {
            if (Array.IndexOf(AspectRatios, ratio) < 0)
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "The aspect ratio '" + Text.ServerText.Message(ratio) + "' is not supported; use auto, 16:9 or 9:16.");
        }

        /// <summary>An aspect ratio as users give it: empty (a CSV cell left blank) means auto; letter case does not matter.</summary>
        public static string NormalizeAspectRatio(string? ratio)
            => string.IsNullOrWhiteSpace(ratio) ? "auto" : ratio!.Trim().ToLowerInvariant();

        /// <summary>Throws InvalidParameters for an empty, white-space-only, too long or control-character prompt.</summary>
        public static void ValidatePrompt(string? text, int maxPromptLength)
        {
            string prompt = text ?? "";
            if (prompt.Trim().Length == 0)
                throw new VeoException(VeoErrorKind.InvalidParameters, "The prompt is required and must not be empty or only white space.");
            if (prompt.Length > maxPromptLength)
                throw new VeoException(VeoErrorKind.InvalidParameters, string.Format(CultureInfo.InvariantCulture,
                    "The prompt is {0} characters long; the limit is {1} characters.", prompt.Length, maxPromptLength));
            for (int i = 0; i < prompt.Length; i++)
            {
                char c = prompt[i];
                if (char.IsControl(c) && c != '\t' && c != '\r' && c != '\n')
                    throw new VeoException(VeoErrorKind.InvalidParameters, string.Format(CultureInfo.InvariantCulture,
                        "The prompt contains the control character U+{0:X4} at position {1}; only tab, carriage return and line feed are allowed.", (int)c, i));
            }
        }
    }
}
