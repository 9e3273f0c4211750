using System.Text.Json;

namespace Veo31.Emulator;

/// <summary>The body of POST /generate-video; fields of the wrong JSON type are reported, not coerced.</summary>
internal sealed record GenerationRequest(string? GenerationType, string? Prompt, string? AspectRatio, string? ImageUrl, string? ImageKey)
{
    public static GenerationRequest? Read(JsonElement root, out string? problem)
    {
        problem = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "the body must be a JSON object";
            return null;
        }
        var generationType = ReadString(root, "generationType", ref problem);
        var prompt = ReadString(root, "prompt", ref problem);
        var aspectRatio = ReadString(root, "aspectRatio", ref problem);
        var imageUrl = ReadString(root, "imageUrl", ref problem);
        var imageKey = ReadString(root, "imageKey", ref problem);
        return problem is null ? new GenerationRequest(generationType, prompt, aspectRatio, imageUrl, imageKey) : null;
    }

    private static string? ReadString(JsonElement root, string name, ref string? problem)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        problem ??= $"{name} must be a string";
        return null;
    }

    /// <summary>What makes two generation requests "identical" for the duplicateCharges counter.</summary>
    public string Fingerprint(string apiKey) =>
        string.Join('\u001f', apiKey, GenerationType, Prompt, AspectRatio ?? "auto", ImageUrl ?? "", ImageKey ?? "");
}
