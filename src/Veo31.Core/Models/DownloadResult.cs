namespace Veo31.Core.Models
{
    public sealed class DownloadResult
    {
        /// <summary>Where the video is: the file's full path, or the blob's URL (without its SAS).</summary>
        public string Path { get; set; } = "";
        public long Length { get; set; }
        /// <summary>How many times a broken transfer was resumed with an HTTP Range request.</summary>
        public int Resumes { get; set; }
        /// <summary>Lower-case hex SHA-256 of the file as written (hashed as they were written, across resumes and restarts).</summary>
        public string Sha256 { get; set; } = "";
    }
}
