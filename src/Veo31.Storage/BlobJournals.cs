using System;
using System.Net;
using System.Net.Http;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Journal;

namespace Veo31.Storage
{
    /// <summary>The one place that decides whether a journal location is a blob, and builds the blob journal for it.</summary>
    public static class BlobJournals
    {
        /// <summary>An absolute http or https URL names a blob; anything else is a file path (unless a storage credential is given).</summary>
        public static bool IsBlobUrl(string? location)
            => location != null && Uri.TryCreate(location.Trim(), UriKind.Absolute, out Uri? uri) && (UrlRules.IsHttps(uri) || UrlRules.IsHttp(uri));

        /// <summary>
        /// The journal in an append blob. location is the blob's URL (its query may carry a SAS), or "container/blob" with a
        /// connection string. Nothing is sent until the journal is first read or written.
        /// </summary>
        public static JobJournal Open(string location, StorageAuth auth, TimeSpan networkTimeout, IWebProxy? proxy = null)
        {
            if (auth == null) throw new ArgumentNullException(nameof(auth));
            AppendBlobClient blob = CreateClient(location?.Trim() ?? "", auth, Options(networkTimeout, proxy));
            return new JobJournal(new BlobJournalStore(blob));
        }

        private static AppendBlobClient CreateClient(string location, StorageAuth auth, BlobClientOptions options)
        {
            if (auth.ConnectionString != null)
            {
                string connectionString = StorageAuth.Reveal(auth.ConnectionString);
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
                CheckEndpoint(service.Uri, bearer: false);
                (string container, string blobName) = ContainerAndBlob(location, service.Uri);
                return service.GetBlobContainerClient(container).GetAppendBlobClient(blobName);
            }

            Uri uri = ParseUrl(location);
            CheckEndpoint(uri, bearer: auth.AccessToken != null);
            if (auth.AccessToken != null)
            {
                if (!string.IsNullOrEmpty(uri.Query))
                    throw new VeoException(VeoErrorKind.InvalidParameters, "Give the journal blob either a SAS in its URL or an access token, not both.");
                return new AppendBlobClient(uri, new StaticTokenCredential(StorageAuth.Reveal(auth.AccessToken)), options);
            }
            return new AppendBlobClient(uri, options);
        }

        private static Uri ParseUrl(string location)
        {
            if (!IsBlobUrl(location))
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "The journal blob '" + UrlRules.ShowUrl(location) + "' is not an http(s) URL; 'container/blob' is accepted only with a connection string.");
            var uri = new Uri(location);
            var parts = new BlobUriBuilder(uri);
            if (string.IsNullOrEmpty(parts.BlobContainerName) || string.IsNullOrEmpty(parts.BlobName))
                throw new VeoException(VeoErrorKind.InvalidParameters, "The journal blob URL '" + UrlRules.ShowUrl(uri) + "' must name a container and a blob.");
            return uri;
        }

        private static (string Container, string Blob) ContainerAndBlob(string location, Uri serviceUri)
        {
            if (IsBlobUrl(location))
            {
                Uri uri = ParseUrl(location);
                if (!string.IsNullOrEmpty(uri.Query))
                    throw new VeoException(VeoErrorKind.InvalidParameters, "Give the journal blob either a SAS in its URL or a connection string, not both.");
                string service = serviceUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/";
                if (!uri.AbsoluteUri.StartsWith(service, StringComparison.OrdinalIgnoreCase))
                    throw new VeoException(VeoErrorKind.InvalidParameters,
                        "The journal blob '" + UrlRules.ShowUrl(uri) + "' is not in the storage account of the connection string (" + UrlRules.ShowUrl(serviceUri) + ").");
                var parts = new BlobUriBuilder(uri);
                return (parts.BlobContainerName, parts.BlobName);
            }
            string trimmed = location.Replace('\\', '/').Trim('/');
            int slash = trimmed.IndexOf('/');
            if (slash <= 0 || slash == trimmed.Length - 1)
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "With a connection string the journal is named 'container/blob' (or by its URL); '" + UrlRules.ShowUrl(location) + "' is neither.");
            return (trimmed.Substring(0, slash), trimmed.Substring(slash + 1));
        }

        // The same rule as the API's: plain http only to loopback (Azurite). A bearer token never goes over plain http.
        private static void CheckEndpoint(Uri uri, bool bearer)
        {
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The journal blob URL must not carry user information.");
            if (UrlRules.IsHttps(uri)) return;
            if (!UrlRules.IsHttp(uri) || !UrlRules.IsLoopback(uri))
                throw new VeoException(VeoErrorKind.UnsafeUrl,
                    "The journal blob must use https (plain http is allowed only for a loopback emulator); '" + UrlRules.ShowUrl(uri) + "' refused.");
            if (bearer)
                throw new VeoException(VeoErrorKind.UnsafeUrl, "An access token is sent only over https; '" + UrlRules.ShowUrl(uri) + "' is plain http.");
        }

        private static BlobClientOptions Options(TimeSpan networkTimeout, IWebProxy? proxy)
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
