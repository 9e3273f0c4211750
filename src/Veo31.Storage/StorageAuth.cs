using System;
using System.Runtime.InteropServices;
using System.Security;

namespace Veo31.Storage
{
    /// <summary>
    /// How the module authenticates to Azure Blob Storage, as runbooks do it and without an identity library: a SAS in the
    /// blob URL's query (nothing here), an account connection string, or an access token the user already obtained
    /// (Get-AzAccessToken after Connect-AzAccount -Identity). The secrets stay SecureStrings until a client is built.
    /// </summary>
    public sealed class StorageAuth
    {
        private StorageAuth(SecureString? connectionString, SecureString? accessToken)
        {
            ConnectionString = connectionString;
            AccessToken = accessToken;
        }

        /// <summary>No credential beyond what the URL carries (a SAS query, or a public container).</summary>
        public static StorageAuth None { get; } = new StorageAuth(null, null);

        public static StorageAuth FromConnectionString(SecureString connectionString)
            => new StorageAuth(Copy(connectionString ?? throw new ArgumentNullException(nameof(connectionString))), null);

        public static StorageAuth FromAccessToken(SecureString accessToken)
            => new StorageAuth(null, Copy(accessToken ?? throw new ArgumentNullException(nameof(accessToken))));

        internal SecureString? ConnectionString { get; }
        internal SecureString? AccessToken { get; }

        /// <summary>True when a credential was given, so a location that is not a URL names a blob ("container/blob").</summary>
        public bool HasCredential => ConnectionString != null || AccessToken != null;

        /// <summary>For messages: which form is in use, never its value.</summary>
        public string Kind => ConnectionString != null ? "connection string" : AccessToken != null ? "access token" : "SAS or anonymous";

        private static SecureString Copy(SecureString value)
        {
            SecureString copy = value.Copy();
            copy.MakeReadOnly();
            return copy;
        }

        /// <summary>The secret as text, only to hand it to the Azure SDK client that needs it.</summary>
        internal static string Reveal(SecureString secret)
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return (Marshal.PtrToStringUni(pointer) ?? "").Trim();
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }
}
