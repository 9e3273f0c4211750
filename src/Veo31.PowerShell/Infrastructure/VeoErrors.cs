using System;
using System.Management.Automation;
using Veo31.Core.Errors;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>Turns failures into ErrorRecords: ErrorId = the kind's name; category and terminating from <see cref="VeoErrorTable"/>.</summary>
    internal static class VeoErrorRecords
    {
        public const string NotConnected = VeoErrorTable.NotConnected;
        public const string VideoNotCompleted = VeoErrorTable.VideoNotCompleted;
        public const string PathNotFound = VeoErrorTable.PathNotFound;
        public const string NotAFileSystemPath = VeoErrorTable.NotAFileSystemPath;
        public const string ApiKeyMissing = VeoErrorTable.ApiKeyMissing;
        public const string DestinationNotWritable = VeoErrorTable.DestinationNotWritable;
        public const string UnexpectedError = VeoErrorTable.UnexpectedError;
        public const string JournalWriteFailed = VeoErrorTable.JournalWriteFailed;

        public static ErrorCategory CategoryOf(VeoErrorKind kind) => VeoErrorTable.Of(kind).Category;

        /// <summary>Failures that make every later call of the command fail too, so they end it; any other failure is the item's own.</summary>
        public static bool IsTerminating(VeoErrorKind kind) => VeoErrorTable.Of(kind).Terminating;

        public static ErrorRecord FromCore(VeoException exception, object? target, string? uuid = null)
            => new ErrorRecord(VeoApiException.FromCore(exception, uuid), exception.Kind.ToString(), CategoryOf(exception.Kind), target);

        /// <summary>A record of the PowerShell layer; its category comes from the error table.</summary>
        public static ErrorRecord Create(string errorId, string message, object? target, Exception? inner = null)
            => new ErrorRecord(new VeoApiException(errorId, message, inner), errorId, VeoErrorTable.Of(errorId).Category, target);

        public static ErrorRecord NotConnectedRecord()
            => Create(NotConnected, "Not connected to the Veo API. Run Connect-Veo first, or pass a session with -Session.", null);

        public static ErrorRecord NotAFileSystemPathRecord(string path, string what)
            => Create(NotAFileSystemPath,
                what + " '" + path + "' is not a file system path (it is on a drive of another provider, such as env:, variable: or HKLM:).", path);

        /// <summary>A path that does not exist; for a drive that does not exist, the message names the drive.</summary>
        public static ErrorRecord PathNotFoundRecord(string path, Exception? cause = null)
        {
            string why = cause is DriveNotFoundException drive
                ? "the drive '" + drive.ItemName + "' does not exist"
                : "it does not exist or is not a file";
            return Create(PathNotFound, "Cannot find path '" + path + "' because " + why + ".", path, cause);
        }

        public static ErrorRecord Unexpected(Exception exception, object? target)
            => Create(UnexpectedError, "Unexpected error: " + Core.Text.ServerText.Message(exception.Message), target, exception);
    }
}
