namespace Veo31.PowerShell
{
    /// <summary>Status of a generation. Unknown is a status value the API added after this release.</summary>
    public enum VeoVideoStatus
    {
        Unknown = 0,
        Pending,
        Processing,
        Completed,
        Failed,
    }
}
