using System;
using Veo31.Core.Errors;

namespace Veo31.PowerShell
{
    /// <summary>
    /// The exception of every Veo31 ErrorRecord. ErrorId matches the record's FullyQualifiedErrorId prefix, so a
    /// script can branch on it: <c>catch { if ($_.Exception.ErrorId -eq 'RateLimited') { ... } }</c>.
    /// </summary>
    public sealed class VeoApiException : Exception
    {
        public VeoApiException(string errorId, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
        }

        public string ErrorId { get; }
        /// <summary>The API's code field (1000 to 5000) when the server sent one.</summary>
        public int? Code { get; internal set; }
        public int? HttpStatus { get; internal set; }
        /// <summary>The API's own message (msg field), when it sent one.</summary>
        public string? ApiMessage { get; internal set; }
        public int? RequiredCredits { get; internal set; }
        public int? CurrentCredits { get; internal set; }
        public TimeSpan? RetryAfter { get; internal set; }
        /// <summary>For GenerationOutcomeUnknown: a hash of the request, to tell whether the job exists before submitting again.</summary>
        public string? RequestFingerprint { get; internal set; }
        public string? Uuid { get; internal set; }
        /// <summary>How many attempts were made before giving up.</summary>
        public int? Attempts { get; internal set; }

        internal static VeoApiException FromCore(VeoException source, string? uuid = null)
        {
            return new VeoApiException(source.Kind.ToString(), source.Message, source)
            {
                Code = source.ApiCode,
                HttpStatus = source.HttpStatus,
                ApiMessage = source.ApiMessage,
                RequiredCredits = source.RequiredCredits,
                CurrentCredits = source.CurrentCredits,
                RetryAfter = source.RetryAfter,
                RequestFingerprint = source.RequestFingerprint,
                Uuid = source.Uuid ?? uuid,
                Attempts = source.Attempts > 0 ? source.Attempts : (int?)null,
            };
        }
    }
}
