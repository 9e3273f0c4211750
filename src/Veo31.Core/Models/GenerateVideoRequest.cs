namespace Veo31.Core.Models
{
    public sealed class GenerateVideoRequest
    {
        public string Prompt { get; set; } = "";
        /// <summary>auto, 16:9 or 9:16.</summary>
        public string AspectRatio { get; set; } = "auto";
        public string? ImageUrl { get; set; }
        public string? ImageKey { get; set; }
        /// <summary>The local file the image was uploaded from, when known: journaled with the job, never sent to the API.</summary>
        public SourceImageInfo? SourceImage { get; set; }

        /// <summary>image_to_video when an image is given (uploaded, or a local file still to upload), text_to_video otherwise.</summary>
        public string GenerationType => ImageUrl != null || ImageKey != null || SourceImage != null ? "image_to_video" : "text_to_video";
    }
}
