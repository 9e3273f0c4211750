using System.Text.Json;

namespace Veo31.Core.Json
{
    /// <summary>The API's { code, msg, data } wrapper. Data is a detached copy (undefined when absent).</summary>
    internal sealed class ApiEnvelope
    {
        public ApiEnvelope(int code, string? message, JsonElement data)
        {
            Code = code;
            Message = message;
            Data = data;
        }

        public int Code { get; }
        public string? Message { get; }
        public JsonElement Data { get; }
        public bool HasObjectData => Data.ValueKind == JsonValueKind.Object;
    }
}
