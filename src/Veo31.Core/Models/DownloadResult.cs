namespace Veo31.Core.Models
{
    public sealed class DownloadResult
    {
        public string Path { get; set; } = "";
        public long Length { get; set; }
        /// <summary>How many times a broken transfer was resumed with an HTTP Range request.</summary>
        public int Resumes { get; set; }
        /// <summary>Lower-case hex SHA-256 of the file as written (read back from the finished file before it was renamed into place).</summary>
        public string Sha256 { get; set; } = "";
    }
}
