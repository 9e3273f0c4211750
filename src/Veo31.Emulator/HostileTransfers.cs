using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Veo31.Emulator;

/// <summary>The values of the transfer options (<c>--gzip</c>, <c>--changing-video</c>, <c>--video-origin</c>).</summary>
public static class TransferModes
{
    public const string Off = "off";

    /// <summary><c>--gzip</c>: compress answers whose request accepts gzip: none, JSON answers, or JSON and CDN files.</summary>
    public const string GzipJson = "json";
    public const string GzipAll = "all";
    public static readonly IReadOnlyList<string> GzipValues = [Off, GzipJson, GzipAll];

    /// <summary><c>--changing-video</c>: every video request gets a new version, with which validator.</summary>
    public const string ChangingETag = "etag";
    public const string ChangingLastModified = "last-modified";
    public const string ChangingNoValidator = "none";
    public static readonly IReadOnlyList<string> ChangingVideoValues = [Off, ChangingETag, ChangingLastModified, ChangingNoValidator];

    /// <summary><c>--video-origin</c>: where a completed job's videoUrl points.</summary>
    public const string OriginCdn = "cdn";
    public const string OriginApi = "api";
    public static readonly IReadOnlyList<string> VideoOriginValues = [OriginCdn, OriginApi];

    /// <exception cref="ArgumentException">A value not in the list.</exception>
    internal static void Check(string option, string? value, IReadOnlyList<string> allowed)
    {
        if (value is null || !allowed.Contains(value))
            throw new ArgumentException($"{option} must be one of {string.Join(", ", allowed)} (got '{value}').");
    }
}

/// <summary>
/// How an answer's body is coded: gzip when negotiated (<c>--gzip</c>) or forced by the <c>gzip</c> fault, cut short by
/// <c>gzip</c> with value <c>cut</c>, or only labelled gzip by <c>lyingGzip</c>. Decided per request, applied by the writers.
/// </summary>
internal static class ResponseCoding
{
    private const string ItemKey = "veo.coding";
    public const string Gzip = "gzip";
    public const string GzipCut = "gzip-cut";
    public const string Lie = "lie";
    /// <summary>Share of the compressed bytes a <c>cut</c> body sends before ending cleanly.</summary>
    public const double CutShare = 0.6;

    public static void Negotiate(HttpContext context, bool enabled)
    {
        if (enabled && AcceptsGzip(context.Request)) context.Items[ItemKey] = Gzip;
    }

    public static void Force(HttpContext context, string coding) => context.Items[ItemKey] = coding;

    public static string? Of(HttpContext context) => context.Items.TryGetValue(ItemKey, out var value) ? value as string : null;

    public static bool AcceptsGzip(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        double? gzip = null, star = null;
        foreach (var value in accepted)
        {
            var quality = value.Quality ?? 1.0;
            if (string.Equals(value.Value.Value, "gzip", StringComparison.OrdinalIgnoreCase)) gzip = quality;
            else if (value.Value.Value == "*") star = quality;
        }
        return (gzip ?? star ?? 0) > 0;
    }

    /// <summary>The JSON body as it goes on the wire, with Content-Encoding set to match (or to lie).</summary>
    public static byte[] Apply(HttpContext context, byte[] body)
    {
        switch (Of(context))
        {
            case Gzip:
                context.Response.Headers.ContentEncoding = "gzip";
                context.Response.Headers.Vary = "Accept-Encoding";
                return Compress(body);
            case GzipCut:
                context.Response.Headers.ContentEncoding = "gzip";
                var compressed = Compress(body);
                return compressed[..(int)(compressed.Length * CutShare)];
            case Lie:
                context.Response.Headers.ContentEncoding = "gzip";
                return body;
            default:
                return body;
        }
    }

    public static byte[] Compress(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(body);
        return output.ToArray();
    }
}

/// <summary>
/// Text that attacks the reader: escape sequences (OSC 52 writes the clipboard, erase-line hides text, a C1 CSI clears
/// the screen), BEL, NUL, a right-to-left override. Sent by the <c>[escapes]</c> prompt marker and the <c>escapeText</c> fault.
/// </summary>
public static partial class HostileText
{
    public const string Sequences = "\u001b]52;c;aGFja2Vk\u0007\u001b[2K\r\u001b[31mred\u001b[0m\u0007\u009b2J\u202eevil\u202c\u0000\u007f";
    /// <summary>Appended to the failure reason, so a client's length cap shows.</summary>
    public static readonly string LongTail = " " + new string('x', 3000);
    public const string ErrorMessage = "Invalid parameters: " + Sequences + " rejected";

    public static bool IsRequested(string prompt) => Marker().IsMatch(prompt);

    [GeneratedRegex(@"\[escapes\]", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}
