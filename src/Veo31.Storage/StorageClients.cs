using System;
using System.Net;
using System.Net.Http;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Veo31.Core.Errors;
using Veo31.Core.Http;

namespace Veo31.Storage
{
    /// <summary>What every blob client of the module shares: its options, the endpoint rule, the credential forms, the failure text.</summary>
    internal static class StorageClients
    {
        public static BlobClientOptions Options(TimeSpan networkTimeout, IWebProxy? proxy)
        {
            var options = new BlobClientOptions();
            options.Retry.NetworkTimeout = networkTimeout;
            options.Retry.MaxRetries = 3;
            // No SDK logging, telemetry header or tracing: nothing about the account leaves through them.
            options.Diagnostics.IsLoggingEnabled = false;
            options.Diagnostics.IsTelemetryEnabled = false;
            options.Diagnostics.IsDistributedTracingEnabled = false;
            if (proxy != null)
                options.Transport = new HttpClientTransport(new HttpClientHandler { Proxy = proxy, UseProxy = true });
            return options;
        }

        /// <summary>The account of a connection string; a malformed one is refused without quoting it.</summary>
        public static BlobServiceClient Service(StorageAuth auth, BlobClientOptions options, string what)
        {
            string connectionString = StorageAuth.Reveal(auth.ConnectionString ?? throw new ArgumentException("No connection string.", nameof(auth)));
            BlobServiceClient service;
            try
            {
                service = new BlobServiceClient(connectionString, options);
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidOperationException)
            {
                // The SDK's message may quote the connection string: only say that it is malformed.
                throw new VeoException(VeoErrorKind.InvalidParameters, "The storage connection string is not valid (it needs AccountName, AccountKey and an endpoint).");
            }
            CheckEndpoint(service.Uri, bearer: false, what);
            return service;
        }

        public static TokenCredential Token(StorageAuth auth)
            => new StaticTokenCredential(StorageAuth.Reveal(auth.AccessToken ?? throw new ArgumentException("No access token.", nameof(auth))));

        // The same rule as the API's: plain http only to loopback (Azurite). A bearer token never goes over plain http.
        public static void CheckEndpoint(Uri uri, bool bearer, string what)
        {
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The " + what + " URL must not carry user information.");
            if (UrlRules.IsHttps(uri)) return;
            if (!UrlRules.IsHttp(uri) || !UrlRules.IsLoopback(uri))
                throw new VeoException(VeoErrorKind.UnsafeUrl,
                    "The " + what + " must use https (plain http is allowed only for a loopback emulator); '" + UrlRules.ShowUrl(uri) + "' refused.");
            if (bearer)
                throw new VeoException(VeoErrorKind.UnsafeUrl, "An access token is sent only over https; '" + UrlRules.ShowUrl(uri) + "' is plain http.");
        }

        // The SDK reports a refusal as RequestFailedException, a network failure after its retries as AggregateException,
        // a timeout as a cancellation.
        public static bool IsStorageFailure(Exception ex)
            => ex is RequestFailedException || ex is AggregateException || ex is OperationCanceledException || ex is System.IO.IOException
               || ex is HttpRequestException;

        /// <summary>
        /// What went wrong, never the SDK's message (it quotes request details): the status and the service's error code.
        /// conflictHint explains an HTTP 409 in the caller's terms.
        /// </summary>
        public static string Describe(Exception ex, string conflictHint = "")
        {
            if (ex is RequestFailedException refused && refused.Status != 0)
            {
                string code = string.IsNullOrEmpty(refused.ErrorCode) ? "" : " " + refused.ErrorCode;
                string hint = refused.Status == 403 ? " (check the SAS, connection string or token, and its permissions)"
                    : refused.Status == 409 && IsLeaseConflict(refused.ErrorCode) ? conflictHint : "";
                return "HTTP " + refused.Status + code + hint;
            }
            if (ex is OperationCanceledException) return "no answer from the storage endpoint in time";
            return "the storage endpoint could not be reached";
        }

        // LeaseAlreadyPresent, LeaseIdMismatchWithBlobOperation, ...: not InvalidBlobType or BlockCountExceedsLimit.
        private static bool IsLeaseConflict(string? errorCode) => errorCode != null && errorCode.StartsWith("Lease", StringComparison.Ordinal);

        private sealed class StaticTokenCredential : TokenCredential
        {
            private readonly AccessToken _token;

            public StaticTokenCredential(string token)
            {
                if (token.Length == 0) throw new VeoException(VeoErrorKind.InvalidParameters, "The storage access token is empty.");
                // The caller owns its refresh (a runbook job is shorter than a token's life); the same token is handed out each time.
                _token = new AccessToken(token, DateTimeOffset.MaxValue);
            }

            public override AccessToken GetToken(TokenRequestContext requestContext, System.Threading.CancellationToken cancellationToken) => _token;

            public override System.Threading.Tasks.ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, System.Threading.CancellationToken cancellationToken)
                => new System.Threading.Tasks.ValueTask<AccessToken>(_token);
        }
    }
}
