using System;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security;
using Veo31.Core.Errors;

namespace Veo31.Core.Http
{
    /// <summary>Holds a read-only copy of the key; plain text exists only while one request's header is built.</summary>
    internal sealed class ApiKeyHolder : IDisposable
    {
        private readonly SecureString _key;

        public ApiKeyHolder(SecureString apiKey)
        {
            if (apiKey == null) throw new ArgumentNullException(nameof(apiKey));
            _key = Normalize(apiKey);
        }

        /// <summary>
        /// The key as people paste it (a trailing newline from Get-Content -Raw, spaces, a no-break space) trimmed, as a new
        /// read-only copy; a key that cannot be sent in a header is refused with InvalidApiKey. The characters are read from
        /// an unmanaged copy that is zeroed at once, so the key never becomes a managed string here, and no message names it.
        /// </summary>
        internal static SecureString Normalize(SecureString apiKey)
        {
            IntPtr plain = IntPtr.Zero;
            try
            {
                plain = Marshal.SecureStringToGlobalAllocUnicode(apiKey);
                int length = apiKey.Length;
                int start = 0, end = length;
                while (start < end && IsSurrounding(CharAt(plain, start))) start++;
                while (end > start && IsSurrounding(CharAt(plain, end - 1))) end--;
                if (start == end)
                    throw Invalid(length == 0 ? "The API key is empty." : "The API key is empty once the surrounding white space is removed.");
                for (int i = start; i < end; i++)
                {
                    char c = CharAt(plain, i);
                    if (!CanBeSentInHeader(c))
                        throw Invalid(string.Format(CultureInfo.InvariantCulture,
                            "The API key cannot be sent in an HTTP header: it contains {0} U+{1:X4} at position {2} of {3}. " +
                            "API keys are printable ASCII; check how the key was copied.",
                            char.IsControl(c) ? "the control character" : "the non-ASCII character", (int)c, i - start + 1, end - start));
                }
                var key = new SecureString();
                for (int i = start; i < end; i++) key.AppendChar(CharAt(plain, i));
                key.MakeReadOnly();
                return key;
            }
            finally
            {
                // Stryker disable once Equality,Statement : untestable here, not equivalent: zeroing and freeing the unmanaged copy of the key cannot be observed from managed code (kept by review)
                if (plain != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(plain);
            }
        }

        /// <summary>The key goes only to the API's own origin (scheme, host and port); a request to any other URL leaves without it.</summary>
        public void Authorize(HttpRequestMessage request, Uri apiBase)
        {
            if (UrlRules.SameOrigin(request.RequestUri, apiBase)) request.Headers.Authorization = CreateAuthorizationHeader();
        }

        public AuthenticationHeaderValue CreateAuthorizationHeader()
        {
            IntPtr plain = IntPtr.Zero;
            try
            {
                plain = Marshal.SecureStringToGlobalAllocUnicode(_key);
                return new AuthenticationHeaderValue("Bearer", Marshal.PtrToStringUni(plain, _key.Length));
            }
            finally
            {
                // Stryker disable once Equality,Statement : untestable here, not equivalent: zeroing and freeing the unmanaged copy of the key cannot be observed from managed code (kept by review)
                if (plain != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(plain);
            }
        }

        public void Dispose() => _key.Dispose();

        public override string ToString() => "ApiKey(***)";

        private static char CharAt(IntPtr plain, int index) => (char)Marshal.ReadInt16(plain, index * 2);

        // White space and line breaks of any kind around the key (and a byte order mark left by an editor).
        private static bool IsSurrounding(char c) => char.IsWhiteSpace(c) || c == '\uFEFF';

        // Printable ASCII and the space; header values allow nothing else that a key could contain.
        private static bool CanBeSentInHeader(char c) => c >= ' ' && c <= '~';

        private static VeoException Invalid(string message) => new VeoException(VeoErrorKind.InvalidApiKey, message);
    }
}
