using System;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Core.Http;

namespace Veo31.Storage
{
    /// <summary>
    /// A blob container (and an optional name prefix) that videos are saved into: a container URL (its query may carry a
    /// SAS), or 'container' / 'container/prefix' in the account of the session's connection string (or, with an access
    /// token, of its blob journal). The one place that decides whether a save destination is a container.
    /// </summary>
    public sealed class BlobVideoContainer
    {
        private const string What = "destination container";
        // Azure's rule for container names: 3 to 63 lower-case letters, digits and single hyphens, starting with a letter or digit.
        private static readonly Regex ContainerNamePattern = new Regex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant);

        private readonly BlobContainerClient _container;
        private readonly string _prefix;

        private BlobVideoContainer(BlobContainerClient container, string prefix)
        {
            _container = container;
            _prefix = prefix;
            Location = UrlRules.ShowUrl(container.Uri);
        }

        /// <summary>The container's URL, without its SAS.</summary>
        public string Location { get; }

        public string ContainerName => _container.Name;

        /// <summary>
        /// Whether a save destination names a container rather than a folder: an http(s) URL always; with a storage
        /// credential also 'container' or 'container/prefix' (a relative path without a drive, backslash or leading '.' or '~';
        /// './name' is a folder).
        /// </summary>
        public static bool IsContainerLocation(string? destination, bool hasCredential) => BlobJournals.IsBlobLocation(destination, hasCredential);

        /// <summary>A destination as messages and error targets show it: without a URL's query (a SAS).</summary>
        public static string Show(string? destination) => UrlRules.ShowUrl(destination);

        /// <summary>
        /// The container a destination names; nothing is sent. accountOf is a blob URL of the account 'container' means when
        /// the credential is an access token (the session's journal blob), or null.
        /// </summary>
        public static BlobVideoContainer Open(string destination, StorageAuth auth, Uri? accountOf, TimeSpan networkTimeout, IWebProxy? proxy = null)
        {
            if (auth == null) throw new ArgumentNullException(nameof(auth));
            BlobClientOptions options = StorageClients.Options(networkTimeout, proxy);
            string text = destination?.Trim() ?? "";
            RefuseDotSegments(text);
            if (BlobJournals.IsBlobUrl(text)) return FromUrl(new Uri(text), auth, options);
            (string container, string prefix) = SplitPath(text);
            if (auth.ConnectionString != null)
                return new BlobVideoContainer(StorageClients.Service(auth, options, What).GetBlobContainerClient(container), prefix);
            if (auth.AccessToken != null && accountOf != null && BlobJournals.IsBlobUrl(accountOf.AbsoluteUri))
            {
                var account = new BlobUriBuilder(accountOf) { BlobContainerName = container, BlobName = "", Query = "" };
                return FromUrl(account.ToUri(), auth, options, prefix);
            }
            throw new VeoException(VeoErrorKind.InvalidParameters,
                "The destination container '" + UrlRules.ShowUrl(text) + "' needs its account: give its URL, or connect with -StorageConnectionString " +
                "(or with -StorageAccessToken and a blob journal in that account).");
        }

        private static BlobVideoContainer FromUrl(Uri uri, StorageAuth auth, BlobClientOptions options, string extraPrefix = "")
        {
            StorageClients.CheckEndpoint(uri, bearer: auth.AccessToken != null, What);
            var parts = new BlobUriBuilder(uri);
            if (string.IsNullOrEmpty(parts.BlobContainerName))
                throw new VeoException(VeoErrorKind.InvalidParameters, "The destination URL '" + UrlRules.ShowUrl(uri) + "' must name a container.");
            CheckContainerName(parts.BlobContainerName);
            string prefix = Prefix(JoinPrefix(parts.BlobName, extraPrefix));
            parts.BlobName = "";
            bool hasQuery = !string.IsNullOrEmpty(uri.Query);
            if (auth.ConnectionString != null)
            {
                if (hasQuery) throw new VeoException(VeoErrorKind.InvalidParameters, "Give the destination container either a SAS in its URL or a connection string, not both.");
                BlobServiceClient service = StorageClients.Service(auth, options, What);
                string account = service.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/";
                if (!parts.ToUri().AbsoluteUri.StartsWith(account, StringComparison.OrdinalIgnoreCase))
                    throw new VeoException(VeoErrorKind.InvalidParameters,
                        "The destination container '" + UrlRules.ShowUrl(uri) + "' is not in the storage account of the connection string (" + UrlRules.ShowUrl(service.Uri) + ").");
                return new BlobVideoContainer(service.GetBlobContainerClient(parts.BlobContainerName), prefix);
            }
            if (auth.AccessToken != null)
            {
                if (hasQuery) throw new VeoException(VeoErrorKind.InvalidParameters, "Give the destination container either a SAS in its URL or an access token, not both.");
                return new BlobVideoContainer(new BlobContainerClient(parts.ToUri(), StorageClients.Token(auth), options), prefix);
            }
            return new BlobVideoContainer(new BlobContainerClient(parts.ToUri(), options), prefix);
        }

        // 'videos/../other' (or '..%2F' in a URL) would be resolved by the URL class into another container than the one
        // named and reported: a destination never climbs.
        private static void RefuseDotSegments(string text)
        {
            int query = text.IndexOf('?');
            string path = query < 0 ? text : text.Substring(0, query);
            foreach (string segment in Uri.UnescapeDataString(path).Split('/', '\\'))
            {
                if (segment == "." || segment == "..")
                    throw new VeoException(VeoErrorKind.UnsafePath,
                        "The destination '" + UrlRules.ShowUrl(text) + "' has a '" + segment + "' segment; name the container and prefix as they are.");
            }
        }

        private static (string Container, string Prefix) SplitPath(string text)
        {
            string trimmed = text.Trim('/');
            int slash = trimmed.IndexOf('/');
            string container = slash < 0 ? trimmed : trimmed.Substring(0, slash);
            CheckContainerName(container);
            return (container, slash < 0 ? "" : Prefix(trimmed.Substring(slash + 1)));
        }

        private static void CheckContainerName(string name)
        {
            if (!ContainerNamePattern.IsMatch(name))
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "'" + name + "' is not a blob container name (3-63 lower-case letters, digits and hyphens); for a local folder of that name write './" + name + "'.");
        }

        private static string JoinPrefix(string a, string b) => string.IsNullOrEmpty(a) ? b : string.IsNullOrEmpty(b) ? a : a.TrimEnd('/') + "/" + b;

        // A prefix is a virtual folder: it ends with one '/', so 'runs' and 'runs/' both put 'x.mp4' at 'runs/x.mp4'.
        private static string Prefix(string path)
        {
            string trimmed = path.Trim('/');
            return trimmed.Length == 0 ? "" : trimmed + "/";
        }

        /// <summary>The blob name a file name gets in this container (under its prefix).</summary>
        public string BlobName(string fileName) => _prefix + fileName;

        /// <summary>The URL of a blob in this container, without any SAS.</summary>
        public string BlobUri(string fileName) => UrlRules.ShowUrl(_container.GetBlobClient(BlobName(fileName)).Uri);

        /// <summary>A sink that streams a video into a block blob, committed only when complete.</summary>
        public IVideoSink CreateSink(string fileName, bool overwrite)
            => new BlockBlobVideoSink(_container, _container.GetBlockBlobClient(BlobName(fileName)), overwrite);

        /// <summary>Whether the blob exists (a committed one: staged blocks are not a blob).</summary>
        public async Task<bool> ExistsAsync(string fileName, CancellationToken cancellationToken)
        {
            try
            {
                return (await _container.GetBlobClient(BlobName(fileName)).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (Exception ex) when (StorageClients.IsStorageFailure(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Failure(BlobUri(fileName), "read", ex);
            }
        }

        /// <summary>Writes a small blob in one request; an existing one is replaced only with overwrite (FileExists otherwise).</summary>
        public async Task UploadAsync(string fileName, byte[] content, string contentType, bool overwrite, CancellationToken cancellationToken)
        {
            var options = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            BlobClient blob = _container.GetBlobClient(BlobName(fileName));
            try
            {
                await blob.UploadAsync(new BinaryData(content), options, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (!overwrite && (ex.Status == 409 || ex.Status == 412))
            {
                throw new VeoException(VeoErrorKind.FileExists, "The blob '" + BlobUri(fileName) + "' already exists; use -Force to replace it.");
            }
            catch (Exception ex) when (StorageClients.IsStorageFailure(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Failure(BlobUri(fileName), "written", ex);
            }
        }

        internal static VeoException Failure(string blobUri, string what, Exception ex)
            => new VeoException(VeoErrorKind.StorageFailed, "The blob '" + blobUri + "' cannot be " + what + ": " + StorageClients.Describe(ex) + ".");
    }
}
