using System;
using System.Globalization;
using System.Net;

namespace Veo31.Core.Errors
{
    /// <summary>Builds the VeoException for each kind of failure, with the message users see.</summary>
    internal static class VeoErrors
    {
        public const int CodeInvalidParameters = 1000;
        public const int CodeInsufficientCredits = 1001;
        public const int CodeAuthenticationFailed = 1002;
        public const int CodeRateLimited = 1003;
        public const int CodeServerError = 5000;

        public static VeoException FromApiCode(int code, string? apiMessage, int? httpStatus, int? required, int? current, TimeSpan? retryAfter)
        {
            string shown = string.IsNullOrEmpty(apiMessage) ? "" : ": " + apiMessage;
            VeoErrorKind kind;
            string message;
            bool transient = false;
            switch (code)
            {
                case CodeInvalidParameters:
                    kind = VeoErrorKind.InvalidParameters;
                    message = "The API rejected the request parameters (code 1000)" + shown;
                    break;
                case CodeInsufficientCredits:
                    kind = VeoErrorKind.InsufficientCredits;
                    message = string.Format(CultureInfo.InvariantCulture, "Insufficient credits (code 1001): required {0}, current {1}.",
                        required?.ToString(CultureInfo.InvariantCulture) ?? "unknown", current?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
                    break;
                case CodeAuthenticationFailed:
                    kind = VeoErrorKind.AuthenticationFailed;
                    message = "Authentication failed (code 1002): check the API key" + shown;
                    break;
                case CodeRateLimited:
                    kind = VeoErrorKind.RateLimited;
                    message = "Rate limit exceeded (code 1003)" + shown;
                    transient = true;
                    break;
                case CodeServerError:
                    kind = VeoErrorKind.ServerError;
                    message = "The API reported a server error (code 5000)" + shown;
                    transient = true;
                    break;
                default:
                    kind = VeoErrorKind.ServerError;
                    message = "The API answered with an unknown error code " + code.ToString(CultureInfo.InvariantCulture) + shown;
                    break;
            }
            return new VeoException(kind, message)
            {
                ApiCode = code,
                ApiMessage = apiMessage,
                HttpStatus = httpStatus,
                RequiredCredits = required,
                CurrentCredits = current,
                RetryAfter = retryAfter,
                IsTransient = transient,
            };
        }

        /// <summary>An error status whose body is not the API envelope (a proxy page, an empty body).</summary>
        public static VeoException FromHttpStatus(int status, TimeSpan? retryAfter)
        {
            string code = status.ToString(CultureInfo.InvariantCulture);
            if (status == 401 || status == 403)
                return new VeoException(VeoErrorKind.AuthenticationFailed, "Authentication failed (HTTP " + code + ").") { HttpStatus = status };
            if (status == 429)
                return new VeoException(VeoErrorKind.RateLimited, "Rate limit exceeded (HTTP 429).") { HttpStatus = status, RetryAfter = retryAfter, IsTransient = true };
            if (status >= 300 && status < 400)
                return new VeoException(VeoErrorKind.ServerError, "The API answered with an unexpected redirect (HTTP " + code + "); redirects are not followed.") { HttpStatus = status };
            return new VeoException(VeoErrorKind.ServerError, "The API answered HTTP " + code + " without a readable error.")
            { HttpStatus = status, RetryAfter = retryAfter, IsTransient = true };
        }

        /// <summary>The one message for a generation that ended badly ("failed", "cancelled", "expired", ...).</summary>
        public static VeoException GenerationFailed(string uuid, string? rawStatus, string? reason)
        {
            string status = string.IsNullOrEmpty(rawStatus) || string.Equals(rawStatus, "failed", StringComparison.OrdinalIgnoreCase)
                ? "failed" : "ended as '" + rawStatus + "'";
            string why = string.IsNullOrEmpty(reason) ? "the API gave no reason" : reason!;
            return new VeoException(VeoErrorKind.GenerationFailed, "The generation of video " + uuid + " " + status + ": " + why) { Uuid = uuid };
        }

        public static VeoException InvalidResponse(string what, int? httpStatus = null, Exception? inner = null)
            => new VeoException(VeoErrorKind.InvalidResponse, "The API sent an answer that cannot be read: " + what, inner) { HttpStatus = httpStatus };

        public static VeoException ConnectionFailed(string operation, Exception inner, bool neverSent)
            => new VeoException(VeoErrorKind.ConnectionFailed, operation + " failed: network error (" + Describe(inner) + ").", inner)
            { IsTransient = true, RequestNeverSent = neverSent };

        /// <summary>A request that could not be built (a header or body the client cannot send): nothing reached the server.
        /// Only the exception's type is shown: a header parser may quote the value it refused.</summary>
        public static VeoException NotSent(string operation, Exception inner)
            => new VeoException(VeoErrorKind.InvalidParameters, operation + " was not sent: the request could not be built (" + inner.GetType().Name + ").", inner)
            { RequestNeverSent = true };

        /// <summary>The whole call (every attempt and wait) ran out of time: not transient, it already had its retries.</summary>
        public static VeoException TotalTimeout(string operation, TimeSpan limit, int attempts, Exception? inner = null)
            => new VeoException(VeoErrorKind.Timeout, operation + " timed out (total limit " + Seconds(limit) + " s).", inner) { Attempts = attempts };

        /// <summary>One attempt took too long (a JSON call), or a transfer stalled: transient, another attempt may do.</summary>
        public static VeoException AttemptTimeout(string operation, bool transfer, TimeSpan limit, Exception inner)
            => new VeoException(VeoErrorKind.Timeout, operation + " timed out (" + (transfer ? "stalled for " : "attempt limit ") + Seconds(limit) + " s).", inner)
            { IsTransient = true };

        public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

        public static VeoException OutcomeUnknown(VeoException cause, string fingerprint)
        {
            return new VeoException(VeoErrorKind.GenerationOutcomeUnknown,
                "The generation request may or may not have been accepted (" + cause.Message.TrimEnd('.') + "). It was not retried so credits are never charged twice; " +
                "check your jobs before submitting again (request fingerprint " + fingerprint + ").", cause)
            {
                ApiCode = cause.ApiCode,
                HttpStatus = cause.HttpStatus,
                ApiMessage = cause.ApiMessage,
                RetryAfter = cause.RetryAfter,
                RequestFingerprint = fingerprint,
            };
        }

        private static string Describe(Exception ex)
        {
            // The innermost message names the socket error; none of them can carry the API key. It can quote a bad
            // header line the server sent, so it is shown as server text.
            Exception e = ex;
            while (e.InnerException != null) e = e.InnerException;
            return e.GetType().Name + ": " + Text.ServerText.Message(e.Message);
        }
    }
}
