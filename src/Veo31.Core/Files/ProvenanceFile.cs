using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Veo31.Core.Download;
using Veo31.Core.Errors;
using Veo31.Core.Models;

namespace Veo31.Core.Files
{
    /// <summary>
    /// How a saved video was made, written beside it as '&lt;video file name&gt;.json' so a person finding the file later can
    /// tell its uuid, prompt and source image, and check both files against the hashes recorded here.
    /// </summary>
    public sealed class ProvenanceRecord
    {
        /// <summary>The shape of the file; raised only when a field changes meaning or goes away.</summary>
        public const int FormatVersion = 1;

        public string Uuid { get; set; } = "";
        public string? GenerationType { get; set; }
        public string? Prompt { get; set; }
        public string? AspectRatio { get; set; }
        /// <summary>The uploaded file the video was made from; null for text_to_video (or when the source is not known).</summary>
        public SourceImageInfo? SourceImage { get; set; }
        public DateTimeOffset? CreatedAt { get; set; }
        /// <summary>When the job was seen completed.</summary>
        public DateTimeOffset? CompletedAt { get; set; }
        public DateTimeOffset SavedAt { get; set; }
        public string VideoFileName { get; set; } = "";
        /// <summary>Lower-case hex SHA-256 of the video file as written.</summary>
        public string VideoSha256 { get; set; } = "";
        public long VideoSize { get; set; }
        public string ModuleVersion { get; set; } = "";
    }

    public static class ProvenanceFile
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            Indented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        /// <summary>Where the provenance of a video file goes: the same name with '.json' appended.</summary>
        public static string PathFor(string videoFile) => videoFile + ".json";

        /// <summary>Writes the record to a temporary file beside <paramref name="path"/> and renames it into place; an existing file
        /// is replaced only with <paramref name="overwrite"/>.</summary>
        public static void Write(string path, ProvenanceRecord record, bool overwrite)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            string temporary = path + ".partial-" + RandomSuffix();
            try
            {
                File.WriteAllBytes(temporary, Serialize(record));
                AtomicFileMove.Move(temporary, path, overwrite);
            }
            catch (IOException ex) when (!overwrite && File.Exists(path))
            {
                TryDelete(temporary);
                throw new VeoException(VeoErrorKind.FileExists, "The provenance file '" + path + "' already exists; use overwrite (-Force) to replace it.", ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                TryDelete(temporary);
                throw new VeoException(VeoErrorKind.UnsafePath, "The provenance file '" + path + "' could not be written: " + ex.Message, ex);
            }
        }

        public static byte[] Serialize(ProvenanceRecord r)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartObject();
                w.WriteNumber("provenanceVersion", ProvenanceRecord.FormatVersion);
                w.WriteString("uuid", r.Uuid);
                WriteText(w, "generationType", r.GenerationType);
                WriteText(w, "prompt", r.Prompt);
                WriteText(w, "aspectRatio", r.AspectRatio);
                if (r.SourceImage == null)
                {
                    w.WriteNull("sourceImage");
                }
                else
                {
                    w.WriteStartObject("sourceImage");
                    w.WriteString("name", r.SourceImage.Name);
                    w.WriteString("sha256", r.SourceImage.Sha256);
                    w.WriteNumber("length", r.SourceImage.Length);
                    w.WriteEndObject();
                }
                WriteDate(w, "createdAt", r.CreatedAt);
                WriteDate(w, "completedAt", r.CompletedAt);
                WriteDate(w, "savedAt", r.SavedAt);
                w.WriteStartObject("video");
                w.WriteString("fileName", r.VideoFileName);
                w.WriteString("sha256", r.VideoSha256);
                w.WriteNumber("size", r.VideoSize);
                w.WriteEndObject();
                w.WriteString("moduleVersion", r.ModuleVersion);
                w.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            return buffer.ToArray();
        }

        private static void WriteText(Utf8JsonWriter w, string name, string? value)
        {
            if (value == null) w.WriteNull(name);
            else w.WriteString(name, value);
        }

        private static void WriteDate(Utf8JsonWriter w, string name, DateTimeOffset? value)
        {
            if (value.HasValue) w.WriteString(name, value.Value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            else w.WriteNull(name);
        }

        private static string RandomSuffix()
        {
            var bytes = new byte[4];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return Sha256Hex.Of(bytes);
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception) { /* best effort */ }
        }
    }
}
