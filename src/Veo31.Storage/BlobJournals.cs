using System;
using System.Net;
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
        private const string What = "journal blob";

        /// <summary>An absolute http or https URL names a blob; anything else is a file path (unless a storage credential is given).</summary>
        public static bool IsBlobUrl(string? location)
            => location != null && Uri.TryCreate(location.Trim(), UriKind.Absolute, out Uri? uri) && (UrlRules.IsHttps(uri) || UrlRules.IsHttp(uri));

        /// <summary>
        /// Whether a location names a blob (or a container, for a save): an http(s) URL always; with a storage credential also
        /// 'container/name', a relative path without a drive, backslash or leading '.', '~' or '/' (those are local paths,
        /// such as the default journal file).
        /// </summary>
        public static bool IsBlobLocation(string? location, bool hasCredential)
        {
            if (location == null) return false;
            string text = location.Trim();
            if (IsBlobUrl(text)) return true;
            if (!hasCredential || text.Length == 0) return false;
            return text.IndexOfAny(new[] { ':', '\\' }) < 0 && text[0] != '.' && text[0] != '~' && text[0] != '/';
        }

        /// <summary>
        /// The journal in an append blob. location is the blob's URL (its query may carry a SAS), or "container/blob" with a
        /// connection string. Nothing is sent until the journal is first read or written.
        /// </summary>
        public static JobJournal Open(string location, StorageAuth auth, TimeSpan networkTimeout, IWebProxy? proxy = null)
        {
            if (auth == null) throw new ArgumentNullException(nameof(auth));
            AppendBlobClient blob = CreateClient(location?.Trim() ?? "", auth, StorageClients.Options(networkTimeout, proxy));
            return new JobJournal(new BlobJournalStore(blob));
        }

        private static AppendBlobClient CreateClient(string location, StorageAuth auth, BlobClientOptions options)
        {
            if (auth.ConnectionString != null)
            {
                BlobServiceClient service = StorageClients.Service(auth, options, What);
                (string container, string blobName) = ContainerAndBlob(location, service.Uri);
                return service.GetBlobContainerClient(container).GetAppendBlobClient(blobName);
            }

            Uri uri = ParseUrl(location);
            StorageClients.CheckEndpoint(uri, bearer: auth.AccessToken != null, What);
            if (auth.AccessToken != null)
            {
                if (!string.IsNullOrEmpty(uri.Query))
                    throw new VeoException(VeoErrorKind.InvalidParameters, "Give the journal blob either a SAS in its URL or an access token, not both.");
                return new AppendBlobClient(uri, StorageClients.Token(auth), options);
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
    }
}
