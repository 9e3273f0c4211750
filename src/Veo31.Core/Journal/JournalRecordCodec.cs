using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using Veo31.Core.Json;
using Veo31.Core.Models;

namespace Veo31.Core.Journal
{
    /// <summary>
    /// One JSON line per event: submitted, status, saved, gone, outcomeUnknown; a compacted journal starts with a
    /// "journal" header and holds one "entry" line per job. Reading folds events by uuid.
    /// </summary>
    internal static class JournalRecordCodec
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static byte[] Submitted(VideoJobInfo job, GenerateVideoRequest? request, DateTimeOffset at)
            => Line(w =>
            {
                Event(w, "submitted", job.Uuid, at);
                WriteRequest(w, request?.Prompt ?? job.Prompt, request?.GenerationType ?? job.GenerationType,
                    request?.AspectRatio ?? job.AspectRatio, request?.ImageUrl, request?.ImageKey, request?.SourceImage);
                WriteOptional(w, "fingerprint", request == null ? null : Http.RequestFingerprint.Of(request));
                WriteOptional(w, "status", job.RawStatus ?? StatusText(job.Status));
                WriteDate(w, "createdAt", job.CreatedAt);
            });

        public static byte[] Status(VideoJobInfo job, DateTimeOffset at)
            => Line(w =>
            {
                Event(w, "status", job.Uuid, at);
                w.WriteString("status", StatusText(job.Status));
                WriteOptional(w, "rawStatus", RawStatusToKeep(job));
                WriteOptional(w, "videoUrl", job.VideoUrl);
                WriteOptional(w, "failureReason", job.FailureReason);
            });

        public static byte[] Saved(string uuid, string savedPath, DateTimeOffset at)
            => Line(w =>
            {
                Event(w, "saved", uuid, at);
                WriteOptional(w, "savedPath", savedPath);
            });

        public static byte[] Gone(string uuid, string reason, DateTimeOffset at)
            => Line(w =>
            {
                Event(w, "gone", uuid, at);
                WriteOptional(w, "reason", reason);
            });

        public static byte[] OutcomeUnknown(GenerateVideoRequest request, string fingerprint, string reason, DateTimeOffset at)
            => Line(w =>
            {
                w.WriteString("event", "outcomeUnknown");
                w.WriteString("at", Iso(at));
                w.WriteString("fingerprint", fingerprint);
                WriteRequest(w, request.Prompt, request.GenerationType, request.AspectRatio, request.ImageUrl, request.ImageKey, request.SourceImage);
                WriteOptional(w, "reason", reason);
            });

        /// <summary>A compacted journal: a header with a fresh generation id, then one line per entry.</summary>
        public static byte[] Snapshot(IEnumerable<JournalEntry> entries, string generation, DateTimeOffset at)
        {
            using var buffer = new MemoryStream();
            WriteLine(buffer, w =>
            {
                w.WriteString("event", "journal");
                w.WriteString("generation", generation);
                w.WriteString("at", Iso(at));
            });
            foreach (JournalEntry e in entries)
            {
                WriteLine(buffer, w =>
                {
                    w.WriteString("event", "entry");
                    WriteOptional(w, "uuid", e.Uuid.Length == 0 ? null : e.Uuid);
                    w.WriteString("at", Iso(e.Submitted));
                    WriteRequest(w, e.Prompt, e.GenerationType, e.AspectRatio, e.ImageUrl, e.ImageKey, e.SourceImage);
                    WriteDate(w, "createdAt", e.CreatedAt);
                    w.WriteString("status", StatusText(e.LastStatus));
                    WriteOptional(w, "rawStatus", e.RawStatus);
                    WriteDate(w, "lastChecked", e.LastChecked);
                    WriteOptional(w, "videoUrl", e.VideoUrl);
                    WriteOptional(w, "failureReason", e.FailureReason);
                    WriteOptional(w, "savedPath", e.SavedPath);
                    if (e.IsGone) w.WriteBoolean("gone", true);
                    if (e.IsOutcomeUnknown) w.WriteBoolean("outcomeUnknown", true);
                    WriteOptional(w, "fingerprint", e.RequestFingerprint);
                });
            }
            return buffer.ToArray();
        }

        /// <summary>The raw status worth keeping: only one that the status enum does not already say.</summary>
        public static string? RawStatusToKeep(VideoJobInfo job)
        {
            string? raw = job.RawStatus?.Trim();
            return raw == null || string.Equals(raw, StatusText(job.Status), StringComparison.OrdinalIgnoreCase) ? null : raw;
        }

        /// <summary>Applies one line to the fold; a corrupt or partial line is skipped and false returned.</summary>
        public static bool FoldInto(string line, JournalFold fold)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                return false;
            }
            using (document)
            {
                try
                {
                    return FoldInto(document.RootElement, fold);
                }
                catch (InvalidOperationException)
                {
                    // A string holding a lone surrogate escape ("\ud83d": an emoji cut in two by another tool) cannot be read.
                    return false;
                }
            }
        }

        private static bool FoldInto(JsonElement root, JournalFold fold)
        {
            if (root.ValueKind != JsonValueKind.Object) return false;
            string? kind = Text(root, "event");
            string? uuid = Text(root, "uuid");
            DateTimeOffset at = Date(root, "at") ?? DateTimeOffset.MinValue;
            string? fingerprint = Text(root, "fingerprint");
            bool unknownOutcome = kind == "outcomeUnknown" || (kind == "entry" && Bool(root, "outcomeUnknown"));
            if (unknownOutcome)
            {
                // No uuid to fold by: each lost answer is its own entry.
                JournalEntry lost = fold.GetOrAddLostAnswer(fingerprint, Iso(at), () => new JournalEntry { Submitted = at });
                lost.IsOutcomeUnknown = true;
                lost.RequestFingerprint = fingerprint;
                lost.LastStatus = VideoStatus.Unknown;
                ReadRequest(root, lost);
                lost.FailureReason = Text(root, "reason") ?? Text(root, "failureReason") ?? lost.FailureReason;
                return true;
            }
            if (kind == "journal") return true;
            if (string.IsNullOrEmpty(uuid) || kind == null) return false;
            JournalEntry entry = fold.GetOrAdd(uuid!, () => new JournalEntry { Uuid = uuid!, Submitted = at, LastStatus = VideoStatus.Pending });

            switch (kind)
            {
                case "submitted":
                    entry.Submitted = at;
                    ReadRequest(root, entry);
                    // Releases before fingerprints wrote none; a submitted line is a paid generation all the same
                    // (the daily cap counts it), so its fingerprint is made from the request it records.
                    entry.RequestFingerprint = fingerprint ?? entry.RequestFingerprint ?? FingerprintOf(entry);
                    entry.CreatedAt = Date(root, "createdAt") ?? entry.CreatedAt;
                    if (entry.LastChecked == null)
                    {
                        string? status = Text(root, "status");
                        entry.LastStatus = status == null ? VideoStatus.Pending : VideoJobParser.ParseStatus(status);
                    }
                    break;
                case "status":
                    ReadStatus(root, entry);
                    entry.LastChecked = at;
                    entry.IsGone = false;
                    break;
                case "saved":
                    entry.SavedPath = Text(root, "savedPath") ?? entry.SavedPath;
                    break;
                case "gone":
                    entry.IsGone = true;
                    break;
                case "entry":
                    entry.Submitted = at;
                    ReadRequest(root, entry);
                    ReadStatus(root, entry);
                    entry.CreatedAt = Date(root, "createdAt");
                    entry.LastChecked = Date(root, "lastChecked");
                    entry.SavedPath = Text(root, "savedPath");
                    entry.IsGone = Bool(root, "gone");
                    entry.RequestFingerprint = fingerprint;
                    break;
            }
            return true;
        }

        private static string FingerprintOf(JournalEntry entry)
            => Http.RequestFingerprint.Of(new GenerateVideoRequest
            {
                Prompt = entry.Prompt ?? "",
                AspectRatio = entry.AspectRatio ?? "auto",
                ImageUrl = entry.ImageUrl,
                ImageKey = entry.ImageKey,
            });

        private static void ReadRequest(JsonElement root, JournalEntry entry)
        {
            entry.Prompt = Text(root, "prompt") ?? entry.Prompt;
            entry.GenerationType = Text(root, "generationType") ?? entry.GenerationType;
            entry.AspectRatio = Text(root, "aspectRatio") ?? entry.AspectRatio;
            entry.ImageUrl = Text(root, "imageUrl") ?? entry.ImageUrl;
            entry.ImageKey = Text(root, "imageKey") ?? entry.ImageKey;
            entry.SourceImage = ReadSource(root) ?? entry.SourceImage;
        }

        /// <summary>What was asked: the fields <see cref="ReadRequest"/> reads back.</summary>
        private static void WriteRequest(Utf8JsonWriter w, string? prompt, string? generationType, string? aspectRatio,
            string? imageUrl, string? imageKey, SourceImageInfo? source)
        {
            WriteOptional(w, "prompt", prompt);
            WriteOptional(w, "generationType", generationType);
            WriteOptional(w, "aspectRatio", aspectRatio);
            WriteOptional(w, "imageUrl", imageUrl);
            WriteOptional(w, "imageKey", imageKey);
            WriteSource(w, source);
        }

        /// <summary>The uploaded file a job was made from (lines of older releases have none).</summary>
        private static void WriteSource(Utf8JsonWriter w, SourceImageInfo? source)
        {
            if (source == null) return;
            w.WriteString("sourcePath", source.Path);
            w.WriteString("sourceName", source.Name);
            w.WriteString("sourceSha256", source.Sha256);
            w.WriteNumber("sourceLength", source.Length);
        }

        private static SourceImageInfo? ReadSource(JsonElement root)
        {
            string? sha256 = Text(root, "sourceSha256");
            string? name = Text(root, "sourceName");
            if (sha256 == null && name == null) return null;
            long length = root.TryGetProperty("sourceLength", out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n) ? n : 0;
            return new SourceImageInfo { Path = Text(root, "sourcePath") ?? "", Name = name ?? "", Sha256 = sha256 ?? "", Length = length };
        }

        private static void ReadStatus(JsonElement root, JournalEntry entry)
        {
            string? raw = Text(root, "rawStatus");
            entry.LastStatus = VideoJobParser.ParseStatus(Text(root, "status"));
            entry.RawStatus = raw;
            entry.VideoUrl = Text(root, "videoUrl") ?? entry.VideoUrl;
            entry.FailureReason = Text(root, "failureReason") ?? entry.FailureReason;
        }

        private static string StatusText(VideoStatus status) => status.ToString().ToLowerInvariant();

        private static string Iso(DateTimeOffset at) => at.ToString("o", CultureInfo.InvariantCulture);

        private static void Event(Utf8JsonWriter w, string kind, string uuid, DateTimeOffset at)
        {
            w.WriteString("event", kind);
            w.WriteString("uuid", uuid);
            w.WriteString("at", Iso(at));
        }

        private static byte[] Line(Action<Utf8JsonWriter> body)
        {
            using var buffer = new MemoryStream();
            WriteLine(buffer, body);
            return buffer.ToArray();
        }

        private static void WriteLine(MemoryStream buffer, Action<Utf8JsonWriter> body)
        {
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                body(writer);
                writer.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
        }

        private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
        {
            if (value != null) w.WriteString(name, value);
        }

        private static void WriteDate(Utf8JsonWriter w, string name, DateTimeOffset? value)
        {
            if (value.HasValue) w.WriteString(name, Iso(value.Value));
        }

        private static string? Text(JsonElement root, string name)
            => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

        private static bool Bool(JsonElement root, string name)
            => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.True;

        private static DateTimeOffset? Date(JsonElement root, string name)
            => Text(root, name) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset d)
                ? d : (DateTimeOffset?)null;
    }
}
