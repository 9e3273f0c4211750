namespace Veo31.Core.Models
{
    public sealed class DownloadResult
    {
        public string Path { get; set; } = "";
        public long Length { get; set; }
        /// <summary>How many times a broken transfer was resumed with an HTTP Range request.</summary>
        public int Resumes { get; set; }
    }
}
