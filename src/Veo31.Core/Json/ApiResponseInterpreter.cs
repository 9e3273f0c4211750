using System;
using System.Text.Json;
using Veo31.Core.Errors;

namespace Veo31.Core.Json
{
    /// <summary>
    /// Decides what one HTTP answer means: the data of a success, or the typed error. The envelope is read whatever the
    /// HTTP status, because the contract does not say which status an error comes with.
    /// </summary>
    internal static class ApiResponseInterpreter
    {
        public static JsonElement GetDataOrThrow(int httpStatus, ReadOnlyMemory<byte> body, TimeSpan? retryAfter)
        {
            bool success = httpStatus >= 200 && httpStatus < 300;
            if (ApiEnvelopeReader.TryRead(body, out ApiEnvelope? envelope, out string problem))
            {
                if (envelope!.Code == 0)
                {
                    if (!success) throw VeoErrors.FromHttpStatus(httpStatus, retryAfter);
                    if (!envelope.HasObjectData)
                        throw VeoErrors.InvalidResponse("data is " + VideoJobParser.Describe(envelope.Data) + " in a success answer", httpStatus);
                    return envelope.Data;
                }
                ReadCredits(envelope.Data, out int? required, out int? current);
                throw VeoErrors.FromApiCode(envelope.Code, envelope.Message, httpStatus, required, current, retryAfter);
            }
            if (success) throw VeoErrors.InvalidResponse(problem, httpStatus);
            throw VeoErrors.FromHttpStatus(httpStatus, retryAfter);
        }

        private static void ReadCredits(JsonElement data, out int? required, out int? current)
        {
            required = null;
            current = null;
            if (data.ValueKind != JsonValueKind.Object) return;
            if (ApiEnvelopeReader.TryGetProperty(data, "required", out JsonElement r) && JsonValues.TryReadInt(r, out int? rv)) required = rv;
            if (ApiEnvelopeReader.TryGetProperty(data, "current", out JsonElement c) && JsonValues.TryReadInt(c, out int? cv)) current = cv;
        }
    }
}
