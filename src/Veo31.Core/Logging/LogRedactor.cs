using System;
using System.Collections.Generic;
using System.Net.Http.Headers;
using System.Text;
using Veo31.Core.Text;

namespace Veo31.Core.Logging
{
    /// <summary>
    /// The one place that decides what a log line may show. It knows only what is safe (an allow-list): any other
    /// header value becomes ***, Authorization is never shown at all, bodies are shown only when JSON and truncated.
    /// </summary>
    internal static class LogRedactor
    {
        public const int MaxBodyChars = 2048;
        public const string Redacted = "***";

        private static readonly HashSet<string> ShownHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Accept", "Accept-Encoding", "Accept-Ranges", "Cache-Control", "Connection", "Content-Encoding", "Content-Length",
            "Content-Range", "Content-Type", "Date", "ETag", "If-Range", "Last-Modified", "Range", "Retry-After", "Server",
            "Transfer-Encoding", "User-Agent", "Via",
        };

        private static readonly HashSet<string> NeverNamed = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Authorization", "Proxy-Authorization",
            // Azure Storage's other credential headers (a copy source's token, a customer-provided encryption key).
            "x-ms-copy-source-authorization", "x-ms-encryption-key", "x-ms-encryption-key-sha256",
        };

        public static string Headers(HttpHeaders? headers, HttpHeaders? contentHeaders = null)
        {
            var sb = new StringBuilder();
            Append(sb, headers);
            Append(sb, contentHeaders);
            return sb.ToString();
        }

        public static string Header(string name, IEnumerable<string> values)
        {
            if (NeverNamed.Contains(name)) return "";
            return name + ": " + (ShownHeaders.Contains(name) ? ServerText.Message(string.Join(", ", values)) : Redacted);
        }

        public static string Body(ArraySegment<byte> body, string? contentType)
        {
            if (body.Count == 0) return "(empty body)";
            bool looksJson = (contentType != null && contentType.IndexOf("json", StringComparison.OrdinalIgnoreCase) >= 0)
                             || (body.Array![body.Offset] == (byte)'{' || body.Array[body.Offset] == (byte)'[');
            if (!looksJson) return "(" + body.Count + " bytes of " + (contentType ?? "unknown type") + ", not shown)";
            int take = Math.Min(body.Count, MaxBodyChars * 4);
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(body.Array!, body.Offset, take);
            }
            catch (ArgumentException)
            {
                return "(" + body.Count + " bytes, not valid UTF-8, not shown)";
            }
            text = ServerText.Clean(text, text.Length)!;
            if (text.Length > MaxBodyChars) text = text.Substring(0, MaxBodyChars);
            return text.Length < body.Count ? text + "... (" + body.Count + " bytes)" : text;
        }

        private static void Append(StringBuilder sb, HttpHeaders? headers)
        {
            if (headers == null) return;
            foreach (KeyValuePair<string, IEnumerable<string>> header in headers)
            {
                string line = Header(header.Key, header.Value);
                if (line.Length == 0) continue;
                if (sb.Length > 0) sb.Append("; ");
                sb.Append(line);
            }
        }
    }
}
