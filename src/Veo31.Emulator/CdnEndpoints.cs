using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Veo31.Emulator;

/// <summary>The second origin: finished videos and uploaded images, with Range support.</summary>
internal sealed class CdnEndpoints(EmulatorState state, FaultResponder faults)
{
    private const string VideosPrefix = "/videos/";
    private const string ImagesPrefix = "/images/";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        foreach (var value in request.Headers.Authorization)
            if (value is not null) state.Stats.RecordCdnAuthorization(value);

        var path = request.Path.Value ?? "";
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        string endpoint;
        if (isRead && path.StartsWith(VideosPrefix, StringComparison.Ordinal) && path.EndsWith(".mp4", StringComparison.Ordinal))
            endpoint = EmulatorEndpoints.CdnVideo;
        else if (isRead && path.StartsWith(ImagesPrefix, StringComparison.Ordinal) && path.Length > ImagesPrefix.Length)
            endpoint = EmulatorEndpoints.CdnImage;
        else
        {
            context.Response.StatusCode = isRead ? 404 : 405;
            return;
        }

        state.Stats.CountRequest(endpoint);
        var fault = state.Faults.Pick(endpoint, kind => !FaultKinds.StatusAnswerKinds.Contains(kind));
        var outcome = await faults.ApplyAsync(context, fault, endpoint, endpointTruncates: true);
        if (outcome == FaultOutcome.Answered) return;
        var truncate = outcome == FaultOutcome.TruncateBody;
        if (outcome == FaultOutcome.HandleThenDrop) context.Response.Body = Stream.Null;

        if (endpoint == EmulatorEndpoints.CdnVideo) await ServeVideoAsync(context, path[VideosPrefix.Length..^".mp4".Length], truncate);
        else await ServeImageAsync(context, path[ImagesPrefix.Length..], truncate);

        if (outcome == FaultOutcome.HandleThenDrop) context.Abort();
    }

    private async Task ServeVideoAsync(HttpContext context, string uuid, bool truncate)
    {
        var job = state.Jobs.Find(Uri.UnescapeDataString(uuid));
        if (job is null || job.StateAt(Stopwatch.GetTimestamp()).Status != JobStatus.Completed)
        {
            context.Response.StatusCode = 404;
            return;
        }
        var length = state.Video.LengthFor(state.Config.VideoBytes);
        await RangeResponder.ServeAsync(context, length, Mp4Video.ETagFor(length), "video/mp4", truncate,
            (output, offset, count, ct) => state.Video.WriteAsync(output, length, offset, count, ct));
    }

    private async Task ServeImageAsync(HttpContext context, string key, bool truncate)
    {
        var image = state.Uploads.Find(Uri.UnescapeDataString(key));
        if (image is null)
        {
            context.Response.StatusCode = 404;
            return;
        }
        var etag = "\"" + image.Key + "\"";
        await RangeResponder.ServeAsync(context, image.Length, etag, image.Format.ContentType, truncate, async (output, offset, count, ct) =>
        {
            await using var file = new FileStream(image.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            file.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[81920];
            while (count > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
                if (read == 0) break;
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                count -= read;
            }
        });
    }
}

/// <summary>GET/HEAD of a byte sequence with ETag, If-None-Match, If-Range and a single <c>bytes=</c> range.</summary>
internal static class RangeResponder
{
    public delegate Task BodyWriter(Stream output, long offset, long count, CancellationToken ct);

    public static async Task ServeAsync(HttpContext context, long length, string etag, string contentType, bool truncate, BodyWriter writeBody)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag;
        response.ContentType = contentType;

        if (request.Headers.IfNoneMatch.ToString() is { Length: > 0 } ifNoneMatch
            && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(t => t.Trim() == etag)))
        {
            response.StatusCode = 304;
            return;
        }

        long offset = 0, count = length;
        var status = 200;
        var rangeHeader = request.Headers.Range.ToString();
        var ifRange = request.Headers.IfRange.ToString();
        if (rangeHeader.Length > 0 && (ifRange.Length == 0 || ifRange == etag))
        {
            var range = ParseSingleRange(rangeHeader, length);
            if (range is { Satisfiable: false })
            {
                response.StatusCode = 416;
                response.Headers.ContentRange = $"bytes */{length}";
                response.ContentLength = 0;
                return;
            }
            if (range is { } r)
            {
                status = 206;
                offset = r.From;
                count = r.To - r.From + 1;
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {r.From}-{r.To}/{length}");
            }
        }

        response.StatusCode = status;
        response.ContentLength = count;
        if (HttpMethods.IsHead(request.Method)) return;

        var sendCount = truncate ? count / 2 : count;
        try
        {
            await writeBody(response.Body, offset, sendCount, context.RequestAborted);
            if (truncate)
            {
                await response.Body.FlushAsync(context.RequestAborted);
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    private readonly record struct ByteRange(long From, long To, bool Satisfiable);

    /// <summary>The one range of a <c>bytes=</c> header; null when the header is malformed or multi-range (then the whole body is sent).</summary>
    private static ByteRange? ParseSingleRange(string header, long length)
    {
        if (!RangeHeaderValue.TryParse(header, out var parsed) || !string.Equals(parsed.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase)
            || parsed.Ranges.Count != 1)
            return null;
        var range = parsed.Ranges.First();
        if (range.From is { } from)
        {
            if (from >= length) return new ByteRange(0, 0, false);
            var to = range.To is { } t ? Math.Min(t, length - 1) : length - 1;
            return new ByteRange(from, to, true);
        }
        if (range.To is { } suffix)
        {
            if (suffix == 0 || length == 0) return new ByteRange(0, 0, false);
            return new ByteRange(Math.Max(0, length - suffix), length - 1, true);
        }
        return null;
    }
}
