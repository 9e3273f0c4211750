using System;

namespace Veo31.Core.Errors
{
    /// <summary>The one exception Core throws for anything the user should see. Its message never holds the API key.</summary>
    public sealed class VeoException : Exception
    {
        public VeoException(VeoErrorKind kind, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Kind = kind;
        }

        public VeoErrorKind Kind { get; }
        /// <summary>The API's code field (1000..5000) when the server sent one.</summary>
        public int? ApiCode { get; set; }
        public int? HttpStatus { get; set; }
        public string? ApiMessage { get; set; }
        public int? RequiredCredits { get; set; }
        public int? CurrentCredits { get; set; }
        public TimeSpan? RetryAfter { get; set; }
        /// <summary>For GenerationOutcomeUnknown: a hash of the request, so a user can tell whether the job exists.</summary>
        public string? RequestFingerprint { get; set; }
        public string? Uuid { get; set; }
        /// <summary>How many attempts were made before giving up.</summary>
        public int Attempts { get; set; }

        /// <summary>Whether another attempt could succeed (decided where the failure was classified).</summary>
        internal bool IsTransient { get; set; }

        /// <summary>True only when the connection never opened, so the server cannot have seen the request.</summary>
        internal bool RequestNeverSent { get; set; }
    }
}
