using System;
using System.Net;
using Veo31.Core.Errors;

namespace Veo31.Core.Http
{
    /// <summary>Which URLs the client talks to, and which of them may see the API key.</summary>
    internal static class UrlRules
    {
        public static bool IsLoopback(Uri uri)
        {
            string host = uri.IdnHost.Trim('[', ']');
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address);
        }

        public static bool IsHttp(Uri uri) => string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase);
        public static bool IsHttps(Uri uri) => string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);

        public static bool SameOrigin(Uri a, Uri b)
            => string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
               && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
               && a.Port == b.Port;

        /// <summary>The API base: absolute http(s), plain http only on loopback, no user info or query.</summary>
        public static Uri CheckBaseUri(Uri? baseUri)
        {
            if (baseUri == null || !baseUri.IsAbsoluteUri)
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The API base URI must be an absolute http or https URI.");
            if (!IsHttp(baseUri) && !IsHttps(baseUri))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The API base URI must use https (scheme '" + baseUri.Scheme + "' refused).");
            if (IsHttp(baseUri) && !IsLoopback(baseUri))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl,
                    "Plain http is allowed only for loopback hosts (an emulator); use https for '" + baseUri.Host + "'.");
            if (!string.IsNullOrEmpty(baseUri.UserInfo))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The API base URI must not carry user information.");
            string text = baseUri.GetLeftPart(UriPartial.Path);
            return new Uri(text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/");
        }

        /// <summary>A URL the client will download from: absolute http(s); plain http only to a loopback host, whatever the API's own scheme.</summary>
        public static Uri CheckDownloadUri(string? url)
        {
            if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url!.Trim(), UriKind.Absolute, out Uri? uri))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The video URL '" + ShowUrl(url) + "' is not an absolute http or https URL.");
            CheckTransferUri(uri, "video URL");
            return uri;
        }

        public static void CheckTransferUri(Uri uri, string what)
        {
            if (!IsHttp(uri) && !IsHttps(uri))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The " + what + " uses the scheme '" + uri.Scheme + "'; only http and https are followed.");
            if (IsHttp(uri) && !IsLoopback(uri))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The " + what + " uses plain http to '" + uri.Host + "'; only https is followed.");
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new VeoException(VeoErrorKind.UnsafeUrl, "The " + what + " carries user information; refused.");
        }

        /// <summary>A URL for messages and logs: scheme, host, port and path, never the query (signed URLs carry secrets there).</summary>
        public static string ShowUrl(Uri uri)
            => uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URL)";

        public static string ShowUrl(string? url)
        {
            if (url == null) return "";
            if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && (IsHttp(uri) || IsHttps(uri))) return ShowUrl(uri);
            string trimmed = url.Length > 80 ? url.Substring(0, 80) + "..." : url;
            int q = trimmed.IndexOf('?');
            return q >= 0 ? trimmed.Substring(0, q) : trimmed;
        }
    }
}
