namespace Veo31.PowerShell
{
    /// <summary>
    /// Status of a generation. Unknown is a status value the API added after this release (RawStatus has its text).
    /// OutcomeUnknown and Gone come only from the local journal: a paid request whose answer was lost, and a job the API
    /// answered it does not know.
    /// </summary>
    public enum VeoVideoStatus
    {
        Unknown = 0,
        Pending,
        Processing,
        Completed,
        Failed,
        OutcomeUnknown,
        Gone,
    }
}
