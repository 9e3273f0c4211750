using System;

namespace Veo31.Core.Errors
{
    /// <summary>
    /// The one exception Core throws for anything the user should see. Its message never holds the API key. It does not
    /// change once thrown: a layer that adds context (how many attempts, that it was never sent) throws a copy.
    /// </summary>
    public sealed class VeoException : Exception
    {
        public VeoException(VeoErrorKind kind, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Kind = kind;
        }

        public VeoErrorKind Kind { get; }
        /// <summary>The API's code field (1000..5000) when the server sent one.</summary>
        public int? ApiCode { get; init; }
        public int? HttpStatus { get; init; }
        public string? ApiMessage { get; init; }
        public int? RequiredCredits { get; init; }
        public int? CurrentCredits { get; init; }
        public TimeSpan? RetryAfter { get; init; }
        /// <summary>For GenerationOutcomeUnknown: a hash of the request, so a user can tell whether the job exists.</summary>
        public string? RequestFingerprint { get; init; }
        public string? Uuid { get; init; }
        /// <summary>How many attempts were made before giving up.</summary>
        public int Attempts { get; init; }

        /// <summary>Whether another attempt could succeed (decided where the failure was classified).</summary>
        internal bool IsTransient { get; init; }

        /// <summary>True only when the connection never opened, so the server cannot have seen the request.</summary>
        internal bool RequestNeverSent { get; init; }

        /// <summary>A copy (same kind, message, fields and inner exception) that also says how many attempts were made.</summary>
        internal VeoException WithAttempts(int attempts) => Copy(attempts, RequestNeverSent, Uuid);

        /// <summary>A copy that says the request never went on the wire.</summary>
        internal VeoException AsNeverSent() => Copy(Attempts, requestNeverSent: true, Uuid);

        /// <summary>This exception when it names a uuid already, else a copy naming the one asked about.</summary>
        internal VeoException ForUuid(string uuid) => Uuid != null ? this : Copy(Attempts, RequestNeverSent, uuid);

        private VeoException Copy(int attempts, bool requestNeverSent, string? uuid) => new VeoException(Kind, Message, InnerException)
        {
            ApiCode = ApiCode,
            HttpStatus = HttpStatus,
            ApiMessage = ApiMessage,
            RequiredCredits = RequiredCredits,
            CurrentCredits = CurrentCredits,
            RetryAfter = RetryAfter,
            RequestFingerprint = RequestFingerprint,
            Uuid = uuid,
            Attempts = attempts,
            IsTransient = IsTransient,
            RequestNeverSent = requestNeverSent,
        };
    }
}
