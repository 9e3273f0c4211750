using System;
using System.Net.Http;

namespace Veo31.Core.Http
{
    /// <summary>One logical API call; Content is built again for every attempt (a request message is never reused).</summary>
    internal sealed class ApiCall
    {
        public ApiCall(string operation, HttpMethod method, Uri uri)
        {
            Operation = operation;
            Method = method;
            Uri = uri;
        }

        public string Operation { get; }
        public HttpMethod Method { get; }
        public Uri Uri { get; }
        public Func<AttemptWatch, HttpContent>? CreateContent { get; set; }
        /// <summary>POST /generate-video: only failures the server cannot have acted on may be retried.</summary>
        public bool IsGeneration { get; set; }
        public string? RequestFingerprint { get; set; }
        /// <summary>Uploads: the attempt timeout measures stalls (re-armed as bytes move) and no total timeout applies.</summary>
        public bool IsTransfer { get; set; }
        /// <summary>One attempt, no retries: the caller plans the next try itself (the wait scheduler's polls), so no
        /// slot of its own is held through a back-off.</summary>
        public bool SingleAttempt { get; set; }
    }
}
