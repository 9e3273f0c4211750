using System;
using System.Text;

namespace Veo31.Core.Text
{
    /// <summary>
    /// The one place that makes text from a server safe to show: it reaches terminals through messages, progress bars,
    /// verbose lines and format views, where escape sequences could rewrite the screen or the clipboard (OSC 52), ring the
    /// bell or hide text. Control characters (C0, DEL, C1) and bidirectional overrides are removed, line breaks and tabs
    /// become spaces, and very long text is cut with an ellipsis. Applied where server text enters Core.
    /// </summary>
    public static class ServerText
    {
        /// <summary>Longest message kept (msg, failure reasons, status text, header values).</summary>
        public const int MaxMessageLength = 500;
        /// <summary>Longest data field kept (an echoed prompt, a field this release does not know).</summary>
        public const int MaxFieldLength = 4000;
        public const string Ellipsis = "...";

        /// <summary>A message from the server, cleaned and capped at <see cref="MaxMessageLength"/>; null stays null.</summary>
        public static string? Message(string? text) => Clean(text, MaxMessageLength);

        /// <summary>At most <paramref name="maxLength"/> characters for a one-line label (a prompt in a progress bar or a
        /// confirmation), ending in "..." when cut; never cuts a surrogate pair.</summary>
        public static string Shorten(string? text, int maxLength)
        {
            if (string.IsNullOrEmpty(text) || text!.Length <= maxLength) return text ?? "";
            int keep = Math.Max(0, maxLength - Ellipsis.Length);
            if (keep > 0 && char.IsHighSurrogate(text[keep - 1])) keep--;
            return text.Substring(0, keep) + Ellipsis;
        }

        /// <summary>A data field from the server, cleaned and capped at <see cref="MaxFieldLength"/>; null stays null.</summary>
        public static string? Field(string? text) => Clean(text, MaxFieldLength);

        /// <summary>Text with every unsafe character removed (whitespace controls become a space), capped at maxLength.</summary>
        public static string? Clean(string? text, int maxLength)
        {
            if (text == null) return null;
            if (text.Length <= maxLength && IsSafe(text)) return text;
            var sb = new StringBuilder(Math.Min(text.Length, maxLength) + Ellipsis.Length);
            int i = 0;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                string? kept = pair ? text.Substring(i, 2)
                    : char.IsSurrogate(c) ? "\uFFFD"
                    : IsWhitespaceControl(c) ? " "
                    : IsUnsafe(c) ? null
                    : c.ToString();
                if (kept == null) continue;
                if (sb.Length + kept.Length > maxLength)
                {
                    sb.Append(Ellipsis);
                    break;
                }
                sb.Append(kept);
                if (pair) i++;
            }
            return sb.ToString();
        }

        /// <summary>True when the text holds no control character, bidirectional control or lone surrogate.</summary>
        public static bool IsSafe(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                if (char.IsSurrogate(c) || IsUnsafe(c) || IsWhitespaceControl(c)) return false;
            }
            return true;
        }

        /// <summary>
        /// A URL from the server with every unsafe character percent-encoded (as browsers do with controls in a URL), so it
        /// stays usable and prints safely; no length cap (a signed URL is long).
        /// </summary>
        public static string? Url(string? url)
        {
            if (url == null || IsSafe(url)) return url;
            var sb = new StringBuilder(url.Length + 16);
            for (int i = 0; i < url.Length; i++)
            {
                char c = url[i];
                if (char.IsHighSurrogate(c) && i + 1 < url.Length && char.IsLowSurrogate(url[i + 1]))
                {
                    sb.Append(c).Append(url[++i]);
                    continue;
                }
                if (!char.IsSurrogate(c) && !IsUnsafe(c) && !IsWhitespaceControl(c))
                {
                    sb.Append(c);
                    continue;
                }
                foreach (byte b in Encoding.UTF8.GetBytes(char.IsSurrogate(c) ? "\uFFFD" : c.ToString()))
                    sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        private static bool IsWhitespaceControl(char c)
            => c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\u0085' || c == '\u2028' || c == '\u2029';

        /// <summary>C0, DEL and C1 controls, and the bidirectional marks, embeddings, overrides and isolates.</summary>
        private static bool IsUnsafe(char c)
            => char.IsControl(c)
               || c == '\u061C' || c == '\u200E' || c == '\u200F'
               || (c >= '\u202A' && c <= '\u202E')
               || (c >= '\u2066' && c <= '\u2069');
    }
}
