using System;
using System.Globalization;
using System.IO;
using System.Text;
using Veo31.Core.Errors;

namespace Veo31.Core.Files
{
    /// <summary>File names derived from what a server says, made safe to create under a destination folder.</summary>
    public static class SafeFileNames
    {
        // Windows' list ("Naming Files, Paths, and Namespaces"): COM and LPT with a superscript digit are devices too, and
        // CONIN$/CONOUT$ open the console.
        private static readonly string[] ReservedWindowsNames =
        {
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
        };

        // Invalid on Windows whatever the platform we run on, so a name made here works everywhere.
        private const string InvalidCharacters = "<>:\"/\\|?*";

        /// <summary>A file name from a uuid: only [A-Za-z0-9._-], no leading/trailing dots, no reserved Windows names.</summary>
        public static string FromUuid(string uuid, string extension = ".mp4")
        {
            // Stryker disable once String : message wording
            if (string.IsNullOrWhiteSpace(uuid)) throw new VeoException(VeoErrorKind.UnsafePath, "A uuid is required to name the file.");
            var sb = new StringBuilder(uuid.Length);
            foreach (char c in uuid)
            {
                char safe = IsPlainChar(c) ? c : '_';
                if (safe == '.' && sb.Length > 0 && sb[sb.Length - 1] == '.') continue; // never "..": collapse dot runs
                sb.Append(safe);
            }
            string stem = sb.ToString().Trim('.');
            if (stem.Length == 0 || stem.Replace("_", "").Length == 0)
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "The uuid '" + uuid + "' gives no usable file name.");
            if (stem.Length > 200) stem = stem.Substring(0, 200).TrimEnd('.');
            if (IsReservedName(stem)) stem = "_" + stem;

            string ext = extension ?? "";
            if (ext.Length > 0)
            {
                if (ext[0] != '.') ext = "." + ext;
                foreach (char c in ext.Substring(1))
                    if (!IsPlainChar(c) || c == '.')
                        // Stryker disable once String : message wording
                        throw new VeoException(VeoErrorKind.UnsafePath, "The extension '" + extension + "' is not a plain file extension.");
                if (ext.Length == 1) ext = "";
            }
            return stem + ext;
        }

        /// <summary>
        /// A local file's name (without extension) as part of another file name: kept as the user named it, except what
        /// <see cref="CheckFileName"/> refuses: characters invalid on Windows or control characters become '_', a run of dots
        /// one dot, spaces and dots at either end go, and a reserved device name gets a '_' prefix. Null when nothing is left.
        /// </summary>
        public static string? FromLocalStem(string? stem)
        {
            if (stem == null) return null;
            var sb = new StringBuilder(stem.Length);
            foreach (char c in stem)
            {
                char safe = c < 32 || c == 127 || IsBidiControl(c) || InvalidCharacters.IndexOf(c) >= 0 || Array.IndexOf(Path.GetInvalidFileNameChars(), c) >= 0 ? '_' : c;
                if (safe == '.' && sb.Length > 0 && sb[sb.Length - 1] == '.') continue;
                sb.Append(safe);
            }
            // A leading '~' reads as the home folder to a shell, and CheckFileName refuses it: '~draft' becomes '_draft'.
            string result = sb.ToString().Trim(' ', '.');
            if (result.StartsWith("~", StringComparison.Ordinal)) result = "_" + result.Substring(1);
            result = Truncate(result, 200);
            if (result.Length == 0) return null;
            return IsReservedName(result) ? "_" + result : result;
        }

        /// <summary>At most <paramref name="maxUtf8Bytes"/> bytes of UTF-8 (and as many UTF-16 units), cut between whole
        /// characters (never inside a surrogate pair or a combining sequence), without trailing dots or spaces.</summary>
        public static string Truncate(string text, int maxUtf8Bytes)
        {
            if (FitsFileName(text, maxUtf8Bytes)) return text;
            var sb = new StringBuilder();
            TextElementEnumerator elements = System.Globalization.StringInfo.GetTextElementEnumerator(text);
            while (elements.MoveNext())
            {
                string element = elements.GetTextElement();
                if (!FitsFileName(sb + element, maxUtf8Bytes)) break;
                sb.Append(element);
            }
            return sb.ToString().TrimEnd(' ', '.');
        }

        /// <summary>Whether a name fits in a file system's 255-unit limit, counted in UTF-8 bytes (Linux, macOS) and UTF-16 units (Windows).</summary>
        public static bool FitsFileName(string name, int maxBytes) => name.Length <= maxBytes && Encoding.UTF8.GetByteCount(name) <= maxBytes;

        /// <summary>Full path of fileName inside destinationDirectory; throws UnsafePath if it would land outside
        /// (.., rooted paths, reserved names, trailing dots or spaces).</summary>
        public static string ResolveInside(string destinationDirectory, string fileName)
        {
            if (string.IsNullOrWhiteSpace(destinationDirectory))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "A destination folder is required.");
            CheckFileName(fileName);
            string root;
            try
            {
                root = Path.GetFullPath(destinationDirectory);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is System.Security.SecurityException)
            {
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "The destination folder '" + destinationDirectory + "' is not a valid path.", ex);
            }
            string full = Path.GetFullPath(Path.Combine(root, fileName));
            // Defence in depth: CheckFileName above already refuses every name that could land outside or on the root.
            string rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
                ? root : root + Path.DirectorySeparatorChar;
            // Stryker disable once all : the full path is built from the root, so it has the root's spelling: the letter case rule cannot matter
            StringComparison comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            // Stryker disable once Logical,Statement,String : the throw is unreachable behind CheckFileName (kept so a future change there cannot open the folder)
            if (!full.StartsWith(rootWithSeparator, comparison) || full.Length == rootWithSeparator.Length)
                throw new VeoException(VeoErrorKind.UnsafePath, "The file name '" + fileName + "' would land outside '" + root + "'.");
            return full;
        }

        /// <summary>The same rule for a place that is not a folder (a blob container): fileName as the relative path it names
        /// inside any folder, with '/' between its parts; UnsafePath if it would land outside.</summary>
        public static string RelativeInside(string fileName)
        {
            string root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "veo31-relative"));
            string full = ResolveInside(root, fileName);
            return full.Substring(root.TrimEnd(Path.DirectorySeparatorChar).Length + 1).Replace(Path.DirectorySeparatorChar, '/');
        }

        internal static void CheckFileName(string fileName)
        {
            if (string.IsNullOrWhiteSpace(fileName))
                throw new VeoException(VeoErrorKind.UnsafePath, "A file name is required.");
            if (fileName == "." || fileName == ".." || fileName.Contains(".."))
                throw Unsafe(fileName, "it contains '..'");
            if (Path.IsPathRooted(fileName) || fileName.StartsWith("~", StringComparison.Ordinal))
                throw Unsafe(fileName, "it is a rooted path");
            foreach (char c in fileName)
            {
                if (c < 32 || c == 127 || InvalidCharacters.IndexOf(c) >= 0)
                    throw Unsafe(fileName, "it contains the character U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            // Stryker disable once Statement,String : untestable here, not equivalent: on Linux, where the suite runs, the platform's invalid characters (NUL, '/') are refused just above
            if (fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw Unsafe(fileName, "it contains a character not allowed in file names");
            if (fileName.EndsWith(".", StringComparison.Ordinal) || fileName.EndsWith(" ", StringComparison.Ordinal) || fileName.StartsWith(" ", StringComparison.Ordinal))
                throw Unsafe(fileName, "it starts with a space or ends with a dot or a space");
            if (IsReservedName(fileName))
                throw Unsafe(fileName, "it is a reserved device name on Windows");
        }

        internal static bool IsReservedName(string name)
        {
            int dot = name.IndexOf('.');
            string stem = (dot >= 0 ? name.Substring(0, dot) : name).TrimEnd(' ');
            foreach (string reserved in ReservedWindowsNames)
                if (string.Equals(stem, reserved, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        // Marks and overrides that reorder how a name is shown ('a\u202Egnp.exe' shows as 'aexe.png'): a name must read as it is.
        private static bool IsBidiControl(char c)
            => c == '\u061C' || c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');

        private static bool IsPlainChar(char c)
            => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

        private static VeoException Unsafe(string fileName, string why)
            => new VeoException(VeoErrorKind.UnsafePath, "The file name '" + fileName + "' is not safe: " + why + ".");
    }
}
