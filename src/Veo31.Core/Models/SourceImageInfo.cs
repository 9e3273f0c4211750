namespace Veo31.Core.Models
{
    /// <summary>The local file an uploaded image came from: what travels with a video made from it (pipeline, journal, provenance).</summary>
    public sealed class SourceImageInfo
    {
        /// <summary>Full path of the file when it was uploaded.</summary>
        public string Path { get; set; } = "";
        /// <summary>File name with extension.</summary>
        public string Name { get; set; } = "";
        /// <summary>Lower-case hex SHA-256 of the bytes actually uploaded (hashed as they were sent, not read again).</summary>
        public string Sha256 { get; set; } = "";
        public long Length { get; set; }
    }
}
