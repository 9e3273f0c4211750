using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Veo31.Emulator;

/// <summary>
/// The second origin: finished videos and uploaded images, with Range support. With <c>--video-origin api</c> the API
/// origin serves the videos too (same code, same faults, its own record of Authorization headers).
/// </summary>
internal sealed class CdnEndpoints(EmulatorState state, FaultResponder faults)
{
    private const string VideosPrefix = "/videos/";
    private const string ImagesPrefix = "/images/";
    private static readonly DateTimeOffset FirstVersionDate = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task HandleAsync(HttpContext context) => HandleAsync(context, onApiOrigin: false);

    /// <summary>A video path (<c>/videos/{uuid}.mp4</c>) requested on the API origin.</summary>
    public Task HandleOnApiOriginAsync(HttpContext context) => HandleAsync(context, onApiOrigin: true);

    public static bool IsVideoPath(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return path.StartsWith(VideosPrefix, StringComparison.Ordinal) && path.EndsWith(".mp4", StringComparison.Ordinal);
    }

    private async Task HandleAsync(HttpContext context, bool onApiOrigin)
    {
        var request = context.Request;
        foreach (var value in request.Headers.Authorization)
        {
            if (value is null) continue;
            if (onApiOrigin) state.Stats.RecordApiVideoAuthorization(value);
            else state.Stats.RecordCdnAuthorization(value);
        }

        var path = request.Path.Value ?? "";
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        string endpoint;
        if (isRead && IsVideoPath(context))
            endpoint = EmulatorEndpoints.CdnVideo;
        else if (!onApiOrigin && isRead && path.StartsWith(ImagesPrefix, StringComparison.Ordinal) && path.Length > ImagesPrefix.Length)
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
        var config = state.Config;
        var length = state.Video.LengthFor(config.VideoBytes);
        string? etag = Mp4Video.ETagFor(length);
        DateTimeOffset? lastModified = null;
        byte fill = 0;
        if (config.ChangingVideo != TransferModes.Off)
        {
            // Every request meets a new version of the file, with the validator the mode names (or none).
            var version = state.Stats.NextVideoVersion();
            length = state.Video.VersionedLength(length);
            fill = Mp4Video.FillFor(version);
            etag = config.ChangingVideo == TransferModes.ChangingETag ? Mp4Video.ETagFor(length, version) : null;
            lastModified = config.ChangingVideo == TransferModes.ChangingLastModified ? FirstVersionDate.AddMinutes(version) : null;
            context.Response.Headers["X-Emulator-Video-Version"] = version.ToString(CultureInfo.InvariantCulture);
        }
        var coding = ResponseCoding.Of(context)
                     ?? (config.Gzip == TransferModes.GzipAll && ResponseCoding.AcceptsGzip(context.Request) ? ResponseCoding.Gzip : null);
        if (coding is ResponseCoding.Gzip or ResponseCoding.GzipCut)
        {
            // Ranges address the compressed bytes, as with a CDN that compresses and still honours Range.
            var compressed = await state.Video.GzipAsync(length, fill);
            var encoded = new Representation(compressed.Length, etag is null ? null : etag[..^1] + "-gzip\"", lastModified, "video/mp4", "gzip",
                (output, offset, count, ct) => output.WriteAsync(compressed.AsMemory((int)offset, (int)count), ct).AsTask());
            await RangeResponder.ServeAsync(context, encoded, truncate, config.IgnoreIfRange,
                coding == ResponseCoding.GzipCut ? ResponseCoding.CutShare : null);
            return;
        }
        var plain = new Representation(length, etag, lastModified, "video/mp4", coding == ResponseCoding.Lie ? "gzip" : null,
            (output, offset, count, ct) => state.Video.WriteAsync(output, length, offset, count, ct, fill));
        await RangeResponder.ServeAsync(context, plain, truncate, config.IgnoreIfRange, null);
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

/// <summary>The bytes one response serves, and what identifies them.</summary>
internal sealed record Representation(long Length, string? ETag, DateTimeOffset? LastModified, string ContentType, string? ContentEncoding,
    RangeResponder.BodyWriter Write);

/// <summary>GET/HEAD of a byte sequence with ETag or Last-Modified, If-None-Match, If-Range and a single <c>bytes=</c> range.</summary>
internal static class RangeResponder
{
    public delegate Task BodyWriter(Stream output, long offset, long count, CancellationToken ct);

    public static Task ServeAsync(HttpContext context, long length, string etag, string contentType, bool truncate, BodyWriter writeBody) =>
        ServeAsync(context, new Representation(length, etag, null, contentType, null, writeBody), truncate, ignoreIfRange: false, cutShare: null);

    /// <param name="ignoreIfRange">Honour Range whatever If-Range says (a CDN that ignores it).</param>
    /// <param name="cutShare">Send only this share of the body, without Content-Length, and end the response cleanly.</param>
    public static async Task ServeAsync(HttpContext context, Representation body, bool truncate, bool ignoreIfRange, double? cutShare)
    {
        var request = context.Request;
        var response = context.Response;
        var length = body.Length;
        var etag = body.ETag;
        var writeBody = body.Write;
        response.Headers.AcceptRanges = "bytes";
        if (etag is not null) response.Headers.ETag = etag;
        if (body.LastModified is { } lastModified) response.Headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
        if (body.ContentEncoding is not null) response.Headers.ContentEncoding = body.ContentEncoding;
        response.ContentType = body.ContentType;

        if (etag is not null && request.Headers.IfNoneMatch.ToString() is { Length: > 0 } ifNoneMatch
            && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(t => t.Trim() == etag)))
        {
            response.StatusCode = 304;
            return;
        }

        if (cutShare is { } share)
        {
            response.StatusCode = 200;
            if (HttpMethods.IsHead(request.Method)) return;
            await writeBody(response.Body, 0, (long)(length * share), context.RequestAborted);
            return;
        }

        long offset = 0, count = length;
        var status = 200;
        var rangeHeader = request.Headers.Range.ToString();
        var ifRange = request.Headers.IfRange.ToString();
        if (rangeHeader.Length > 0 && (ifRange.Length == 0 || ignoreIfRange || IfRangeMatches(ifRange, body)))
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

    /// <summary>If-Range holds the strong ETag, or the exact Last-Modified date, of the representation.</summary>
    private static bool IfRangeMatches(string ifRange, Representation body)
    {
        var value = ifRange.Trim();
        if (body.ETag is not null && value == body.ETag) return true;
        return body.LastModified is { } lastModified && !value.StartsWith('"') && !value.StartsWith("W/", StringComparison.Ordinal)
               && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && date == lastModified;
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
