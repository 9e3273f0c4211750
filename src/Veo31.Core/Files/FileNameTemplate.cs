using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Veo31.Core.Errors;

namespace Veo31.Core.Files
{
    /// <summary>
    /// A video's file name from a template such as '{ImageName}-{Prompt}.mp4'. Tokens are {Uuid}, {Date}, {ImageName} and
    /// {Prompt}, matched ignoring letter case as PowerShell names are; any other {...} or a lone brace is refused when the
    /// template is parsed, so a typo never ends up in a file name. The expanded name is still checked by
    /// <see cref="SafeFileNames.ResolveInside"/>.
    /// </summary>
    public sealed class FileNameTemplate
    {
        public const string UuidToken = "Uuid";
        public const string DateToken = "Date";
        public const string ImageNameToken = "ImageName";
        public const string PromptToken = "Prompt";
        /// <summary>Longest {Prompt} slug.</summary>
        public const int MaxSlugLength = 40;

        /// <summary>Every token, in the order the error message lists them.</summary>
        public static readonly IReadOnlyList<string> KnownTokens = new[] { UuidToken, DateToken, ImageNameToken, PromptToken };

        // Literal text, or a token name (one of KnownTokens) when IsToken.
        private readonly List<(string Text, bool IsToken)> _parts;

        private FileNameTemplate(string text, List<(string Text, bool IsToken)> parts)
        {
            Text = text;
            _parts = parts;
        }

        public string Text { get; }

        /// <summary>Parses a template; an unknown token or an unpaired brace is an InvalidParameters error listing the known tokens.</summary>
        public static FileNameTemplate Parse(string template)
        {
            if (string.IsNullOrEmpty(template)) throw new VeoException(VeoErrorKind.InvalidParameters, "A file name template is required.");
            var parts = new List<(string, bool)>();
            var literal = new StringBuilder();
            for (int i = 0; i < template.Length; i++)
            {
                char c = template[i];
                if (c == '}') throw Invalid(template, "a '}' that closes no token");
                if (c != '{')
                {
                    literal.Append(c);
                    continue;
                }
                int close = template.IndexOf('}', i + 1);
                int nextOpen = template.IndexOf('{', i + 1);
                if (close < 0 || (nextOpen >= 0 && nextOpen < close)) throw Invalid(template, "a '{' that is never closed");
                string name = template.Substring(i + 1, close - i - 1);
                string? known = Known(name);
                if (known == null) throw Invalid(template, "the unknown token {" + name + "}");
                if (literal.Length > 0) parts.Add((literal.ToString(), false));
                literal.Clear();
                parts.Add((known, true));
                i = close;
            }
            if (literal.Length > 0) parts.Add((literal.ToString(), false));
            return new FileNameTemplate(template, parts);
        }

        /// <summary>Whether the template holds the token (one of <see cref="KnownTokens"/>).</summary>
        public bool Uses(string token)
        {
            foreach (var part in _parts)
                if (part.IsToken && part.Text == token) return true;
            return false;
        }

        /// <summary>
        /// The file name for one video. {ImageName} without a source image (a text_to_video, or a job journaled before
        /// sources were recorded) falls back to the uuid, so a mixed batch still saves every video under a distinct name.
        /// </summary>
        public string Expand(FileNameValues values)
        {
            if (values == null) throw new ArgumentNullException(nameof(values));
            string name = Expand(values, imageStemBytes: int.MaxValue);
            if (SafeFileNames.FitsFileName(name, MaxNameBytes)) return name;
            // Too long for a file system (255 bytes, less the temporary and provenance suffixes): only the image's name,
            // the one part of unbounded length, is shortened; a template too long on its own is the user's to fix.
            int imageNames = _parts.Count(p => p.IsToken && p.Text == ImageNameToken);
            int rest = Encoding.UTF8.GetByteCount(Expand(values, imageStemBytes: 0));
            int budget = imageNames == 0 ? 0 : (MaxNameBytes - rest) / imageNames;
            if (budget >= 8)
            {
                name = Expand(values, budget);
                if (SafeFileNames.FitsFileName(name, MaxNameBytes)) return name;
            }
            throw new Errors.VeoException(Errors.VeoErrorKind.UnsafePath,
                "The file name '" + name + "' from the template '" + Text + "' is longer than a file system allows (" + MaxNameBytes + " bytes here); shorten the template.");
        }

        /// <summary>The longest video file name: 255 bytes less '.partial-xxxxxxxx' (while downloading) and '.json' (provenance).</summary>
        public const int MaxNameBytes = 255 - 17 - 5;

        private string Expand(FileNameValues values, int imageStemBytes)
        {
            var sb = new StringBuilder();
            foreach (var part in _parts)
            {
                if (!part.IsToken)
                {
                    sb.Append(part.Text);
                    continue;
                }
                switch (part.Text)
                {
                    case UuidToken:
                        sb.Append(SafeFileNames.FromUuid(values.Uuid, ""));
                        break;
                    case DateToken:
                        sb.Append(values.Date.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
                        break;
                    case ImageNameToken:
                        string? stem = ImageStem(values.ImageFileName);
                        sb.Append(stem == null ? SafeFileNames.FromUuid(values.Uuid, "") : SafeFileNames.Truncate(stem, imageStemBytes));
                        break;
                    case PromptToken:
                        sb.Append(PromptSlug(values.Prompt));
                        break;
                }
            }
            return sb.ToString();
        }

        /// <summary>The source file's name without its extension, made safe for a file name; null when there is none.</summary>
        public static string? ImageStem(string? imageFileName)
        {
            if (string.IsNullOrWhiteSpace(imageFileName)) return null;
            string name = imageFileName!;
            int slash = Math.Max(name.LastIndexOf('/'), name.LastIndexOf('\\'));
            if (slash >= 0) name = name.Substring(slash + 1);
            int dot = name.LastIndexOf('.');
            if (dot > 0) name = name.Substring(0, dot);
            return SafeFileNames.FromLocalStem(name);
        }

        /// <summary>
        /// A short, safe slug of a prompt: accents dropped, lower-case ASCII words joined by '-', only [a-z0-9-], at most
        /// <see cref="MaxSlugLength"/> characters cut at a word end. A prompt with no such word (another script, only
        /// punctuation) gives 'prompt-' and 8 hex digits of its SHA-256, so different prompts still differ; a reserved
        /// device name (con, nul, com1...) gets the 'prompt-' prefix too. Never empty.
        /// </summary>
        public static string PromptSlug(string? prompt)
        {
            var words = new List<string>();
            var word = new StringBuilder();
            foreach (char c in (prompt ?? "").Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
                char lower = char.ToLowerInvariant(c);
                if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9'))
                {
                    word.Append(lower);
                    continue;
                }
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
            }
            if (word.Length > 0) words.Add(word.ToString());

            var slug = new StringBuilder();
            foreach (string w in words)
            {
                int needed = (slug.Length > 0 ? 1 : 0) + w.Length;
                if (slug.Length + needed > MaxSlugLength)
                {
                    if (slug.Length == 0) slug.Append(w, 0, MaxSlugLength); // one very long word: cut it
                    break;
                }
                if (slug.Length > 0) slug.Append('-');
                slug.Append(w);
            }
            if (slug.Length == 0) return "prompt-" + ShortHash(prompt ?? "");
            string result = slug.ToString();
            return SafeFileNames.IsReservedName(result) ? "prompt-" + result : result;
        }

        private static string ShortHash(string text)
        {
            using var sha = SHA256.Create();
            return Sha256Hex.Of(sha.ComputeHash(Encoding.UTF8.GetBytes(text))).Substring(0, 8);
        }

        private static string? Known(string name)
        {
            foreach (string token in KnownTokens)
                if (string.Equals(token, name, StringComparison.OrdinalIgnoreCase)) return token;
            return null;
        }

        private static VeoException Invalid(string template, string problem)
            => new VeoException(VeoErrorKind.InvalidParameters, "The file name template '" + template + "' has " + problem +
                "; the known tokens are {" + string.Join("}, {", KnownTokens) + "} (letter case does not matter).");
    }

    /// <summary>What one video's file name is made from.</summary>
    public sealed class FileNameValues
    {
        public string Uuid { get; set; } = "";
        /// <summary>The video's creation time ({Date}, written in UTC).</summary>
        public DateTimeOffset Date { get; set; }
        /// <summary>The source image's file name with extension; null for a video made without an uploaded file.</summary>
        public string? ImageFileName { get; set; }
        public string? Prompt { get; set; }
    }
}
