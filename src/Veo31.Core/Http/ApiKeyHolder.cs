using System;
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
            if (apiKey.Length == 0) throw new VeoException(VeoErrorKind.AuthenticationFailed, "The API key is empty.");
            _key = apiKey.Copy();
            _key.MakeReadOnly();
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
                if (plain != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(plain);
            }
        }

        public void Dispose() => _key.Dispose();

        public override string ToString() => "ApiKey(***)";
    }
}
