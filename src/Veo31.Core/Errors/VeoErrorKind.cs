namespace Veo31.Core.Errors
{
    /// <summary>Every failure the module reports. The PowerShell layer maps each to an ErrorId of the same name.</summary>
    public enum VeoErrorKind
    {
        InvalidParameters,          // API code 1000, or a local check of a request parameter (prompt length, control characters)
        InsufficientCredits,        // 1001
        AuthenticationFailed,       // 1002
        RateLimited,                // 1003 or HTTP 429
        ServerError,                // 5000, HTTP 5xx, or an error status with a non-JSON body
        ConnectionFailed,           // network failure
        Timeout,                    // per-attempt or total timeout
        GenerationFailed,           // a generation ended with status failed
        GenerationOutcomeUnknown,   // POST /generate-video failed after it may have reached the server; never retried
        ImageFormatNotSupported,    // local magic-byte check
        ImageTooLarge,              // local 50 MB check
        InvalidResponse,            // a 2xx answer that is not the documented envelope (malformed, wrong types, missing data, too large)
        UnsafeUrl,                  // a videoUrl/imageUrl/redirect the client refuses to follow (scheme, downgrade)
        UnsafePath,                 // a file name or path that would land outside the destination
        FileExists,                 // destination exists and overwrite was not asked for
        DownloadIncomplete,         // the video could not be fully downloaded (length mismatch after resumes)
        InvalidApiKey,              // a key that cannot be sent in an HTTP header (control or non-ASCII characters, empty once trimmed)
        QuotaExceeded,              // a spending cap set with Connect-Veo (per session or per rolling 24 hours) would be exceeded; nothing was sent
        StorageFailed,              // Azure Blob Storage (the blob journal) refused, could not be reached or stayed locked; or a journal store failed in a way it does not name
    }
}
