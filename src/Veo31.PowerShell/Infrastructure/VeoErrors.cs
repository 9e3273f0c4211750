using System;
using System.Management.Automation;
using Veo31.Core.Errors;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>Turns failures into ErrorRecords: ErrorId = the kind's name, category from CategoryOf below.</summary>
    internal static class VeoErrorRecords
    {
        public const string NotConnected = "NotConnected";
        public const string VideoNotCompleted = "VideoNotCompleted";
        public const string PathNotFound = "PathNotFound";
        public const string NotAFileSystemPath = "NotAFileSystemPath";
        public const string UnexpectedError = "UnexpectedError";
        public const string JournalWriteFailed = "JournalWriteFailed";

        public static ErrorCategory CategoryOf(VeoErrorKind kind) => kind switch
        {
            VeoErrorKind.InvalidParameters => ErrorCategory.InvalidArgument,
            VeoErrorKind.InsufficientCredits => ErrorCategory.QuotaExceeded,
            VeoErrorKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
            VeoErrorKind.RateLimited => ErrorCategory.LimitsExceeded,
            VeoErrorKind.ServerError => ErrorCategory.ResourceUnavailable,
            VeoErrorKind.ConnectionFailed => ErrorCategory.ConnectionError,
            VeoErrorKind.Timeout => ErrorCategory.OperationTimeout,
            VeoErrorKind.GenerationFailed => ErrorCategory.InvalidResult,
            VeoErrorKind.GenerationOutcomeUnknown => ErrorCategory.InvalidResult,
            VeoErrorKind.ImageFormatNotSupported => ErrorCategory.InvalidData,
            VeoErrorKind.ImageTooLarge => ErrorCategory.LimitsExceeded,
            VeoErrorKind.InvalidResponse => ErrorCategory.ProtocolError,
            VeoErrorKind.UnsafeUrl => ErrorCategory.SecurityError,
            VeoErrorKind.UnsafePath => ErrorCategory.InvalidArgument,
            VeoErrorKind.FileExists => ErrorCategory.ResourceExists,
            VeoErrorKind.DownloadIncomplete => ErrorCategory.ReadError,
            VeoErrorKind.InvalidApiKey => ErrorCategory.InvalidArgument,
            VeoErrorKind.QuotaExceeded => ErrorCategory.QuotaExceeded,
            VeoErrorKind.StorageFailed => ErrorCategory.ResourceUnavailable,
            _ => ErrorCategory.NotSpecified,
        };

        /// <summary>Failures that make every later call of the command fail too, so they end it; any other failure is the item's own.</summary>
        public static bool IsTerminating(VeoErrorKind kind)
            => kind == VeoErrorKind.AuthenticationFailed || kind == VeoErrorKind.InsufficientCredits || kind == VeoErrorKind.InvalidApiKey
               || kind == VeoErrorKind.QuotaExceeded;

        public static ErrorRecord FromCore(VeoException exception, object? target, string? uuid = null)
            => new ErrorRecord(VeoApiException.FromCore(exception, uuid), exception.Kind.ToString(), CategoryOf(exception.Kind), target);

        public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null)
            => new ErrorRecord(new VeoApiException(errorId, message, inner), errorId, category, target);

        public static ErrorRecord NotConnectedRecord()
            => Create(NotConnected, ErrorCategory.InvalidOperation,
                "Not connected to the Veo API. Run Connect-Veo first, or pass a session with -Session.", null);

        public static ErrorRecord NotAFileSystemPathRecord(string path, string what)
            => Create(NotAFileSystemPath, ErrorCategory.InvalidArgument,
                what + " '" + path + "' is not a file system path (it is on a drive of another provider, such as env:, variable: or HKLM:).", path);

        /// <summary>A path that does not exist; for a drive that does not exist, the message names the drive.</summary>
        public static ErrorRecord PathNotFoundRecord(string path, Exception? cause = null)
        {
            string why = cause is DriveNotFoundException drive
                ? "the drive '" + drive.ItemName + "' does not exist"
                : "it does not exist or is not a file";
            return new ErrorRecord(new ItemNotFoundException("Cannot find path '" + path + "' because " + why + ".", cause),
                PathNotFound, ErrorCategory.ObjectNotFound, path);
        }

        public static ErrorRecord Unexpected(Exception exception, object? target)
            => Create(UnexpectedError, ErrorCategory.NotSpecified, "Unexpected error: " + Core.Text.ServerText.Message(exception.Message), target, exception);
    }
}
