using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;

namespace Veo31.Core.Http
{
    internal enum BodyCoding
    {
        Identity,
        Gzip,
        Unsupported,
    }

    /// <summary>
    /// What the client asks for and accepts as Content-Encoding. Decompression is never automatic (the handler's is off):
    /// JSON answers ask for gzip and are decoded and checked by <see cref="CheckedGzipStream"/>; the video asks for identity,
    /// because a range of an encoded body addresses the encoded bytes and cannot resume the decoded file.
    /// </summary>
    internal static class ContentCodings
    {
        public static void AcceptGzip(HttpRequestMessage request)
            => request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));

        public static void AcceptIdentityOnly(HttpRequestMessage request)
            => request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));

        /// <summary>The coding of a body; <paramref name="name"/> is the header's text, for messages.</summary>
        public static BodyCoding Of(HttpContent? content, out string name)
        {
            // The raw header, not the typed ContentEncoding collection: .NET silently drops values its parser rejects
            // ("gzip;", a quoted "gzip"), which would make a compressed body look like the video itself.
            IEnumerable<string> values = content != null && content.Headers.TryGetValues("Content-Encoding", out IEnumerable<string>? raw)
                ? raw.SelectMany(v => v.Split(','))
                : Array.Empty<string>();
            List<string> codings = values.Select(v => v.Trim())
                .Where(v => v.Length > 0 && !string.Equals(v, "identity", StringComparison.OrdinalIgnoreCase))
                .ToList();
            name = string.Join(", ", codings);
            if (codings.Count == 0) return BodyCoding.Identity;
            if (codings.Count == 1 && (string.Equals(codings[0], "gzip", StringComparison.OrdinalIgnoreCase)
                                       || string.Equals(codings[0], "x-gzip", StringComparison.OrdinalIgnoreCase)))
                return BodyCoding.Gzip;
            return BodyCoding.Unsupported;
        }
    }
}
