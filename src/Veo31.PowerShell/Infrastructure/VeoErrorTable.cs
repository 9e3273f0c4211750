using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Veo31.Core.Errors;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>One ErrorId users can catch: its category, whether it ends the command, whether the module retries it.</summary>
    internal sealed class VeoErrorSpec
    {
        public VeoErrorSpec(string id, ErrorCategory category, bool terminating, bool retried)
        {
            Id = id;
            Category = category;
            Terminating = terminating;
            Retried = retried;
        }

        public string Id { get; }
        public ErrorCategory Category { get; }
        /// <summary>Dooms every later item too, so it ends the command (the others fail only their own item).</summary>
        public bool Terminating { get; }
        /// <summary>The module retries it (at least for some calls) before reporting it.</summary>
        public bool Retried { get; }
    }

    /// <summary>
    /// Every ErrorId the module writes, in one table: one row per Core failure kind (the id is the kind's name) and one per
    /// failure of the PowerShell layer. The record factories take category and terminating from here; the help test checks
    /// that about_Veo31's ERRORS table lists exactly these ids with these retry rules.
    /// </summary>
    internal static class VeoErrorTable
    {
        public const string NotConnected = "NotConnected";
        public const string VideoNotCompleted = "VideoNotCompleted";
        public const string PathNotFound = "PathNotFound";
        public const string NotAFileSystemPath = "NotAFileSystemPath";
        public const string ApiKeyMissing = "ApiKeyMissing";
        public const string DestinationNotWritable = "DestinationNotWritable";
        public const string JournalWriteFailed = "JournalWriteFailed";
        public const string UnexpectedError = "UnexpectedError";

        public static readonly IReadOnlyList<VeoErrorSpec> All = new[]
        {
            Kind(VeoErrorKind.InvalidParameters, ErrorCategory.InvalidArgument),
            Kind(VeoErrorKind.InsufficientCredits, ErrorCategory.QuotaExceeded, terminating: true),
            Kind(VeoErrorKind.AuthenticationFailed, ErrorCategory.AuthenticationError, terminating: true),
            Kind(VeoErrorKind.RateLimited, ErrorCategory.LimitsExceeded, retried: true),
            Kind(VeoErrorKind.ServerError, ErrorCategory.ResourceUnavailable, retried: true),
            Kind(VeoErrorKind.ConnectionFailed, ErrorCategory.ConnectionError, retried: true),
            Kind(VeoErrorKind.Timeout, ErrorCategory.OperationTimeout, retried: true),
            Kind(VeoErrorKind.GenerationFailed, ErrorCategory.InvalidResult),
            Kind(VeoErrorKind.GenerationOutcomeUnknown, ErrorCategory.InvalidResult),
            Kind(VeoErrorKind.ImageFormatNotSupported, ErrorCategory.InvalidData),
            Kind(VeoErrorKind.ImageTooLarge, ErrorCategory.LimitsExceeded),
            Kind(VeoErrorKind.InvalidResponse, ErrorCategory.ProtocolError),
            Kind(VeoErrorKind.UnsafeUrl, ErrorCategory.SecurityError),
            Kind(VeoErrorKind.UnsafePath, ErrorCategory.InvalidArgument),
            Kind(VeoErrorKind.FileExists, ErrorCategory.ResourceExists),
            Kind(VeoErrorKind.DownloadIncomplete, ErrorCategory.ReadError, retried: true),
            Kind(VeoErrorKind.InvalidApiKey, ErrorCategory.InvalidArgument, terminating: true),
            Kind(VeoErrorKind.QuotaExceeded, ErrorCategory.QuotaExceeded, terminating: true),
            Kind(VeoErrorKind.StorageFailed, ErrorCategory.ResourceUnavailable, retried: true),
            new VeoErrorSpec(NotConnected, ErrorCategory.InvalidOperation, terminating: true, retried: false),
            new VeoErrorSpec(VideoNotCompleted, ErrorCategory.InvalidOperation, terminating: false, retried: false),
            new VeoErrorSpec(PathNotFound, ErrorCategory.ObjectNotFound, terminating: false, retried: false),
            new VeoErrorSpec(NotAFileSystemPath, ErrorCategory.InvalidArgument, terminating: false, retried: false),
            new VeoErrorSpec(ApiKeyMissing, ErrorCategory.AuthenticationError, terminating: true, retried: false),
            new VeoErrorSpec(DestinationNotWritable, ErrorCategory.WriteError, terminating: false, retried: false),
            new VeoErrorSpec(JournalWriteFailed, ErrorCategory.WriteError, terminating: false, retried: false),
            new VeoErrorSpec(UnexpectedError, ErrorCategory.NotSpecified, terminating: false, retried: false),
        };

        private static readonly Dictionary<string, VeoErrorSpec> ById = All.ToDictionary(e => e.Id, StringComparer.Ordinal);

        public static VeoErrorSpec Of(VeoErrorKind kind) => Of(kind.ToString());

        /// <summary>The row of an id; an id missing from the table is a bug, reported as UnexpectedError's row.</summary>
        public static VeoErrorSpec Of(string id) => ById.TryGetValue(id, out VeoErrorSpec? spec) ? spec : ById[UnexpectedError];

        private static VeoErrorSpec Kind(VeoErrorKind kind, ErrorCategory category, bool terminating = false, bool retried = false)
            => new VeoErrorSpec(kind.ToString(), category, terminating, retried);
    }
}
