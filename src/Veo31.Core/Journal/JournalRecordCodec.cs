using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Veo31.Core.Json;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>One JSON line per event: submitted, status or saved. Reading folds events by uuid.</summary>
    internal static class JournalRecordCodec
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static byte[] Submitted(VideoJobInfo job, GenerateVideoRequest? request, DateTimeOffset at)
            => Write(w =>
            {
                w.WriteString("event", "submitted");
                w.WriteString("uuid", job.Uuid);
                w.WriteString("at", at.ToString("o", CultureInfo.InvariantCulture));
                WriteOptional(w, "prompt", request?.Prompt ?? job.Prompt);
                WriteOptional(w, "generationType", request?.GenerationType ?? job.GenerationType);
                WriteOptional(w, "aspectRatio", request?.AspectRatio ?? job.AspectRatio);
                WriteOptional(w, "imageUrl", request?.ImageUrl);
                WriteOptional(w, "imageKey", request?.ImageKey);
                WriteOptional(w, "status", job.RawStatus ?? StatusText(job.Status));
                if (job.CreatedAt.HasValue) w.WriteString("createdAt", job.CreatedAt.Value.ToString("o", CultureInfo.InvariantCulture));
            });

        public static byte[] Status(VideoJobInfo job, DateTimeOffset at)
            => Write(w =>
            {
                w.WriteString("event", "status");
                w.WriteString("uuid", job.Uuid);
                w.WriteString("at", at.ToString("o", CultureInfo.InvariantCulture));
                w.WriteString("status", StatusText(job.Status));
                WriteOptional(w, "videoUrl", job.VideoUrl);
                WriteOptional(w, "failureReason", job.FailureReason);
            });

        public static byte[] Saved(string uuid, string savedPath, DateTimeOffset at)
            => Write(w =>
            {
                w.WriteString("event", "saved");
                w.WriteString("uuid", uuid);
                w.WriteString("at", at.ToString("o", CultureInfo.InvariantCulture));
                WriteOptional(w, "savedPath", savedPath);
            });

        /// <summary>Applies one line to the fold; a corrupt or partial line is skipped.</summary>
        public static void FoldInto(string line, Dictionary<string, JournalEntry> entries, List<JournalEntry> order)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                return;
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return;
                string? uuid = Text(root, "uuid");
                string? kind = Text(root, "event");
                if (string.IsNullOrEmpty(uuid) || kind == null) return;
                DateTimeOffset at = Date(root, "at") ?? DateTimeOffset.MinValue;

                if (!entries.TryGetValue(uuid!, out JournalEntry? entry))
                {
                    entry = new JournalEntry { Uuid = uuid!, Submitted = at, LastStatus = VideoStatus.Pending };
                    entries.Add(uuid!, entry);
                    order.Add(entry);
                }

                switch (kind)
                {
                    case "submitted":
                        entry.Submitted = at;
                        entry.Prompt = Text(root, "prompt") ?? entry.Prompt;
                        entry.GenerationType = Text(root, "generationType") ?? entry.GenerationType;
                        entry.AspectRatio = Text(root, "aspectRatio") ?? entry.AspectRatio;
                        entry.ImageUrl = Text(root, "imageUrl") ?? entry.ImageUrl;
                        entry.ImageKey = Text(root, "imageKey") ?? entry.ImageKey;
                        if (entry.LastChecked == null)
                        {
                            string? status = Text(root, "status");
                            entry.LastStatus = status == null ? VideoStatus.Pending : VideoJobParser.ParseStatus(status);
                        }
                        break;
                    case "status":
                        entry.LastStatus = VideoJobParser.ParseStatus(Text(root, "status"));
                        entry.LastChecked = at;
                        entry.VideoUrl = Text(root, "videoUrl") ?? entry.VideoUrl;
                        entry.FailureReason = Text(root, "failureReason") ?? entry.FailureReason;
                        break;
                    case "saved":
                        entry.SavedPath = Text(root, "savedPath") ?? entry.SavedPath;
                        break;
                }
            }
        }

        private static string StatusText(VideoStatus status) => status.ToString().ToLowerInvariant();

        private static byte[] Write(Action<Utf8JsonWriter> body)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                body(writer);
                writer.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            return buffer.ToArray();
        }

        private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
        {
            if (value != null) w.WriteString(name, value);
        }

        private static string? Text(JsonElement root, string name)
            => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

        private static DateTimeOffset? Date(JsonElement root, string name)
            => Text(root, name) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset d)
                ? d : (DateTimeOffset?)null;
    }
}
