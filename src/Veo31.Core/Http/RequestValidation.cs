using System;
using Veo31.Core.Models;

namespace Veo31.Core.Http
{
    /// <summary>Checks made before any request is sent, so bad input costs nothing.</summary>
    public static class RequestValidation
    {
        /// <summary>Throws InvalidParameters for an empty, too long or control-character prompt, or a bad aspect ratio.</summary>
        public static void ValidateGenerateRequest(GenerateVideoRequest request, int maxPromptLength)
            => throw new NotImplementedException();

        /// <summary>Magic-byte format of a file: Jpeg, Png, WebP or Unknown.</summary>
        public static ImageFormat DetectImageFormat(string path) => throw new NotImplementedException();

        /// <summary>Throws ImageFormatNotSupported or ImageTooLarge; returns the format otherwise.</summary>
        public static ImageFormat ValidateImageFile(string path, long maxBytes) => throw new NotImplementedException();
    }
}
