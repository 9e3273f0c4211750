using System;
using System.Globalization;
using System.Text.Json;
using Veo31.Core.Text;

namespace Veo31.Core.Json
{
    internal static class ApiEnvelopeReader
    {
        private static readonly JsonDocumentOptions DocumentOptions = new JsonDocumentOptions
        {
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = 64,
        };

        /// <summary>Reads the envelope; false when the body is not JSON, not an object, or has no readable code.</summary>
        public static bool TryRead(ReadOnlyMemory<byte> body, out ApiEnvelope? envelope, out string problem)
        {
            envelope = null;
            if (body.Length == 0)
            {
                problem = "the body is empty";
                return false;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body, DocumentOptions);
            }
            catch (JsonException)
            {
                problem = "the body is not valid JSON";
                return false;
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    problem = "the body is not a JSON object";
                    return false;
                }
                if (!TryGetProperty(root, "code", out JsonElement codeElement) || !JsonValues.TryReadInt(codeElement, out int? code) || code == null)
                {
                    problem = "the body has no numeric code";
                    return false;
                }
                string? message = TryGetProperty(root, "msg", out JsonElement msg) ? ServerText.Message(JsonValues.ReadText(msg)) : null;
                JsonElement data = TryGetProperty(root, "data", out JsonElement d) ? d.Clone() : default;
                envelope = new ApiEnvelope(code.Value, message, data);
                problem = "";
                return true;
            }
        }

        internal static bool TryGetProperty(JsonElement obj, string name, out JsonElement value)
        {
            if (obj.TryGetProperty(name, out value)) return true;
            // Tolerate a different casing of a documented name.
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                if (string.Equals(JsonValues.NameOf(p), name, StringComparison.OrdinalIgnoreCase))
                {
                    value = p.Value;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Tolerant readers of single JSON values: numbers may come as numeric strings, ids as numbers.</summary>
    internal static class JsonValues
    {
        /// <summary>True with null for a JSON null; false for a value that is not a number or numeric string.</summary>
        public static bool TryReadInt(JsonElement e, out int? value)
        {
            value = null;
            switch (e.ValueKind)
            {
                case JsonValueKind.Null:
                    return true;
                case JsonValueKind.Number:
                    if (e.TryGetInt32(out int i)) { value = i; return true; }
                    if (e.TryGetDouble(out double dbl) && !double.IsNaN(dbl) && dbl >= int.MinValue && dbl <= int.MaxValue)
                    {
                        value = (int)Math.Round(dbl);
                        return true;
                    }
                    return false;
                case JsonValueKind.String:
                    string? s = e.GetString();
                    if (string.IsNullOrWhiteSpace(s)) return true;
                    if (double.TryParse(s!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)
                        && !double.IsNaN(parsed) && parsed >= int.MinValue && parsed <= int.MaxValue)
                    {
                        value = (int)Math.Round(parsed);
                        return true;
                    }
                    return false;
                default:
                    return false;
            }
        }

        /// <summary>Text of a string, or of a number/bool (an id sent as 123 is read as "123"); null for null/absent; objects give null.</summary>
        public static string? ReadText(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: return ReadString(e);
                case JsonValueKind.Number: return e.GetRawText();
                case JsonValueKind.True: return "true";
                case JsonValueKind.False: return "false";
                default: return null;
            }
        }

        /// <summary>
        /// A JSON string's value. A string that is not valid UTF-16 once unescaped (a lone surrogate such as "\ud800")
        /// cannot be decoded; its escaped source text is returned instead of the exception GetString throws.
        /// </summary>
        public static string ReadString(JsonElement e)
        {
            try
            {
                return e.GetString() ?? "";
            }
            catch (InvalidOperationException)
            {
                string raw = e.GetRawText();
                return raw.Length >= 2 ? raw.Substring(1, raw.Length - 2) : raw;
            }
        }

        /// <summary>A property's name; one that cannot be decoded (a lone surrogate) gives a placeholder instead of an exception.</summary>
        public static string NameOf(JsonProperty p)
        {
            try
            {
                return p.Name;
            }
            catch (InvalidOperationException)
            {
                return "(unreadable name)";
            }
        }

        public static bool IsScalarOrNull(JsonElement e)
            => e.ValueKind != JsonValueKind.Object && e.ValueKind != JsonValueKind.Array;
    }
}
