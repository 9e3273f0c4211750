using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.Core.Text;

namespace Veo31.Core.Json
{
    /// <summary>
    /// Turns the data object of /generate-video and /video-status into a VideoJobInfo. Every text goes through ServerText
    /// on the way in; an id that is not printable is refused rather than changed, since it is sent back to the API.
    /// </summary>
    internal static class VideoJobParser
    {
        // Where a failed generation's reason may be; the contract does not name the field. First present wins.
        private static readonly string[] FailureReasonFields = { "failReason", "errorMessage", "error", "msg" };

        private static readonly HashSet<string> KnownFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "uuid", "status", "generationType", "prompt", "aspectRatio", "createdAt", "videoUrl", "progress", "estimatedTime",
            "failReason", "errorMessage", "error", "msg",
        };

        public static VideoJobInfo Parse(JsonElement data)
        {
            if (data.ValueKind != JsonValueKind.Object)
                throw VeoErrors.InvalidResponse("data is " + Describe(data) + ", expected an object");

            var job = new VideoJobInfo();

            if (!ApiEnvelopeReader.TryGetProperty(data, "uuid", out JsonElement uuid) || !JsonValues.IsScalarOrNull(uuid)
                || string.IsNullOrWhiteSpace(JsonValues.ReadText(uuid)))
                throw VeoErrors.InvalidResponse("data.uuid is missing or not a string");
            job.Uuid = JsonValues.ReadText(uuid)!;
            if (!ServerText.IsSafe(job.Uuid))
                throw VeoErrors.InvalidResponse("data.uuid contains control characters");

            if (ApiEnvelopeReader.TryGetProperty(data, "status", out JsonElement status) && status.ValueKind != JsonValueKind.Null)
            {
                if (status.ValueKind != JsonValueKind.String)
                    throw VeoErrors.InvalidResponse("data.status is " + Describe(status) + ", expected a string");
                string raw = JsonValues.ReadString(status);
                job.RawStatus = ServerText.Message(raw);
            }
            else
            {
                job.Status = VideoStatus.Unknown;
            }

            job.GenerationType = ServerText.Message(ReadOptionalText(data, "generationType"));
            job.Prompt = ServerText.Field(ReadOptionalText(data, "prompt"));
            job.AspectRatio = ServerText.Message(ReadOptionalText(data, "aspectRatio"));
            job.VideoUrl = ServerText.Url(ReadOptionalText(data, "videoUrl"));
            job.Progress = ReadOptionalInt(data, "progress");
            job.EstimatedTimeSeconds = ReadOptionalInt(data, "estimatedTime");
            job.CreatedAt = ReadOptionalDate(data, "createdAt");
            job.FailureReason = ServerText.Message(ReadFailureReason(data));
            if (job.RawStatus != null) job.Status = JobStatusRules.Classify(job.RawStatus, job.FailureReason != null);

            var additional = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in data.EnumerateObject())
            {
                string name = ServerText.Message(JsonValues.NameOf(p))!;
                if (!KnownFields.Contains(name) && !additional.ContainsKey(name))
                    additional[name] = ServerText.Field(p.Value.GetRawText())!;
            }
            job.AdditionalFields = additional;
            return job;
        }

        public static VideoStatus ParseStatus(string? raw) => JobStatusRules.Classify(raw, hasFailureReason: false);

        private static string? ReadOptionalText(JsonElement data, string name)
        {
            if (!ApiEnvelopeReader.TryGetProperty(data, name, out JsonElement e)) return null;
            if (!JsonValues.IsScalarOrNull(e))
                throw VeoErrors.InvalidResponse("data." + name + " is " + Describe(e) + ", expected a string");
            return JsonValues.ReadText(e);
        }

        private static int? ReadOptionalInt(JsonElement data, string name)
        {
            if (!ApiEnvelopeReader.TryGetProperty(data, name, out JsonElement e)) return null;
            if (!JsonValues.TryReadInt(e, out int? value))
                // Stryker disable once String : message wording
                throw VeoErrors.InvalidResponse("data." + name + " is " + Describe(e) + ", expected a number");
            return value;
        }

        private static DateTimeOffset? ReadOptionalDate(JsonElement data, string name)
        {
            if (!ApiEnvelopeReader.TryGetProperty(data, name, out JsonElement e)) return null;
            if (e.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(JsonValues.ReadString(e), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
                return parsed;
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long unixSeconds)
                && unixSeconds > 0 && unixSeconds < 253402300799L)
                return DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
            // An unreadable timestamp is cosmetic: keep the job, leave the date empty.
            return null;
        }

        private static string? ReadFailureReason(JsonElement data)
        {
            foreach (string field in FailureReasonFields)
            {
                if (!ApiEnvelopeReader.TryGetProperty(data, field, out JsonElement e)) continue;
                string? text = e.ValueKind == JsonValueKind.Object
                    ? (ApiEnvelopeReader.TryGetProperty(e, "message", out JsonElement m) ? JsonValues.ReadText(m) : e.GetRawText())
                    : JsonValues.IsScalarOrNull(e) ? JsonValues.ReadText(e) : e.GetRawText();
                if (!string.IsNullOrWhiteSpace(text)) return text;
            }
            return null;
        }

        internal static string Describe(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Undefined: return "missing";
                case JsonValueKind.Null: return "null";
                case JsonValueKind.Object: return "an object";
                case JsonValueKind.Array: return "an array";
                case JsonValueKind.String: return "a string";
                case JsonValueKind.Number: return "a number";
                default: return "a boolean";
            }
        }
    }
}
