using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Veo31.Emulator;

/// <summary>The <c>/_emulator/*</c> endpoints tests use to inspect and steer the emulator (no key needed).</summary>
internal sealed class ControlEndpoints(EmulatorServer server)
{
    public const string Prefix = "/_emulator/";

    public bool Owns(HttpContext context) => (context.Request.Path.Value ?? "").StartsWith(Prefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var path = (context.Request.Path.Value ?? "")[Prefix.Length..].TrimEnd('/');
        var method = context.Request.Method;
        try
        {
            switch (path)
            {
                case "stats" when HttpMethods.IsGet(method):
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetStats());
                    return;
                case "stats/reset" when HttpMethods.IsPost(method):
                    server.ResetStats();
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetStats());
                    return;
                case "jobs" when HttpMethods.IsGet(method):
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetJobs());
                    return;
                case "keys" when HttpMethods.IsPost(method):
                {
                    var body = await ReadAsync<KeyCredits>(context);
                    if (string.IsNullOrWhiteSpace(body?.Key)) throw new ArgumentException("key is required");
                    server.SetCredits(body.Key, body.Credits);
                    await ApiResponses.WriteObjectAsync(context, 200, new KeyCredits(body.Key, server.GetCredits(body.Key) ?? 0));
                    return;
                }
                case "config" when HttpMethods.IsGet(method):
                    await ApiResponses.WriteObjectAsync(context, 200, EmulatorSettings.ConfigOf(server.GetConfig()));
                    return;
                case "config" when HttpMethods.IsPost(method):
                {
                    using var patch = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
                    var config = server.UpdateConfig(next => EmulatorSettings.ApplyPatch(next, patch.RootElement));
                    await ApiResponses.WriteObjectAsync(context, 200, EmulatorSettings.ConfigOf(config));
                    return;
                }
                case "faults" when HttpMethods.IsGet(method):
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetFaults());
                    return;
                case "faults" when HttpMethods.IsPost(method):
                    foreach (var rule in await ReadRulesAsync(context)) server.AddFault(rule);
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetFaults());
                    return;
                case "faults" when HttpMethods.IsDelete(method):
                    server.ClearFaults();
                    await ApiResponses.WriteObjectAsync(context, 200, server.GetFaults());
                    return;
            }
            if (path.StartsWith("videos/", StringComparison.Ordinal) && HttpMethods.IsGet(method))
            {
                int? version = int.TryParse(context.Request.Query["version"], System.Globalization.NumberStyles.Integer,
                    System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
                var info = await server.GetVideoInfoAsync(Uri.UnescapeDataString(path["videos/".Length..]), version);
                if (info is null) await ApiResponses.WriteObjectAsync(context, 404, new { error = "no job with that uuid" });
                else await ApiResponses.WriteObjectAsync(context, 200, info);
                return;
            }
            await ApiResponses.WriteObjectAsync(context, 404, new { error = $"no control endpoint {method} {Prefix}{path}" });
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            await ApiResponses.WriteObjectAsync(context, 400, new { error = e.Message });
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpContext context) =>
        await JsonSerializer.DeserializeAsync<T>(context.Request.Body, EmulatorState.Json, context.RequestAborted);

    /// <summary>Accepts one rule object or an array of them.</summary>
    private static async Task<IReadOnlyList<FaultRule>> ReadRulesAsync(HttpContext context)
    {
        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        var rules = document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement.Deserialize<List<FaultRule>>(EmulatorState.Json) ?? []
            : [document.RootElement.Deserialize<FaultRule>(EmulatorState.Json) ?? throw new ArgumentException("a fault rule is required")];
        foreach (var rule in rules) rule.Validate();
        return rules;
    }

    private sealed record KeyCredits(string Key, long Credits);
}

/// <summary>One job as listed by <c>GET /_emulator/jobs</c>.</summary>
public sealed record EmulatorJobInfo(string Uuid, string KeyFingerprint, string GenerationType, string Prompt, string Status, string CreatedAt);

/// <summary>The video the CDN serves for a job: its length and lowercase hex SHA-256.</summary>
public sealed record EmulatorVideoInfo(long Length, string Sha256);
