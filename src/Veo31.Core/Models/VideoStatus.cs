namespace Veo31.Core.Models
{
    /// <summary>Status of a generation. Unknown keeps a status value the API added after this release.</summary>
    public enum VideoStatus
    {
        Unknown = 0,
        Pending,
        Processing,
        Completed,
        Failed,
    }
}
