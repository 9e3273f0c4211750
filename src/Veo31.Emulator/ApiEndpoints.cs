using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Veo31.Emulator;

/// <summary>The three documented endpoints under <c>/api</c>.</summary>
internal sealed class ApiEndpoints(EmulatorState state, FaultResponder faults)
{
    private const string ApiPrefix = "/api/";
    private const long MaxJsonBodyBytes = 1024 * 1024;
    private static readonly string[] GenerationTypes = ["text_to_video", "image_to_video"];
    private static readonly string[] AspectRatios = ["auto", "16:9", "9:16"];

    public bool TryRoute(HttpContext context, out string endpoint, out Func<HttpContext, string, Task> handler)
    {
        var path = context.Request.Path.Value ?? "";
        var method = context.Request.Method;
        endpoint = "";
        handler = null!;
        if (!path.StartsWith(ApiPrefix, StringComparison.Ordinal)) return false;
        var rest = path[ApiPrefix.Length..];
        if (rest == "generate-video" && HttpMethods.IsPost(method))
            (endpoint, handler) = (EmulatorEndpoints.GenerateVideo, (c, _) => GenerateVideoAsync(c));
        else if (rest.StartsWith("video-status/", StringComparison.Ordinal) && HttpMethods.IsGet(method) && rest.Length > "video-status/".Length)
            (endpoint, handler) = (EmulatorEndpoints.VideoStatus, (c, _) => VideoStatusAsync(c, Uri.UnescapeDataString(rest["video-status/".Length..])));
        else if (rest == "upload-video-image" && HttpMethods.IsPost(method))
            (endpoint, handler) = (EmulatorEndpoints.UploadVideoImage, (c, _) => UploadVideoImageAsync(c));
        else
            return false;
        return true;
    }

    /// <summary>Counts the request, waits the link's latency, applies any fault, then authenticates and runs the endpoint.</summary>
    public async Task HandleAsync(HttpContext context, string endpoint, Func<HttpContext, string, Task> handler)
    {
        state.Stats.CountRequest(endpoint);
        using (var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping))
        {
            if (!await state.Latency.WaitAsync(state.Config, gone.Token))
            {
                context.Abort();
                return;
            }
        }
        ResponseCoding.Negotiate(context, state.Config.Gzip != TransferModes.Off);
        var fault = state.Faults.Pick(endpoint, kind => !FaultKinds.StatusAnswerKinds.Contains(kind));
        var outcome = await faults.ApplyAsync(context, fault, endpoint, endpointTruncates: false);
        if (outcome == FaultOutcome.Answered) return;
        if (outcome == FaultOutcome.HandleThenDrop)
        {
            context.Response.Body = Stream.Null;
            await AuthenticatedAsync(context, endpoint, handler);
            context.Abort();
            return;
        }
        if (outcome is FaultOutcome.HandleThenDelay or FaultOutcome.HandleThenDelayDrop)
        {
            await HandleThenHoldAsync(context, endpoint, handler, fault!.DelayMs, drop: outcome == FaultOutcome.HandleThenDelayDrop);
            return;
        }
        await AuthenticatedAsync(context, endpoint, handler);
    }

    /// <summary>Acts on the request (a generation is charged) but holds the answer back, as a slow or dying server does.</summary>
    private async Task HandleThenHoldAsync(HttpContext context, string endpoint, Func<HttpContext, string, Task> handler, int delayMs, bool drop)
    {
        var real = context.Response.Body;
        using var held = new MemoryStream();
        context.Response.Body = held;
        await AuthenticatedAsync(context, endpoint, handler);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        try
        {
            await Task.Delay(delayMs, stop.Token);
        }
        catch (OperationCanceledException)
        {
            drop = true;
        }
        context.Response.Body = real;
        if (drop)
        {
            context.Abort();
            return;
        }
        context.Response.ContentLength = held.Length;
        held.Position = 0;
        await held.CopyToAsync(real, context.RequestAborted);
    }

    private async Task AuthenticatedAsync(HttpContext context, string endpoint, Func<HttpContext, string, Task> handler)
    {
        var config = state.Config;
        var key = BearerKeyOf(context.Request);
        if (key is null || !state.Keys.IsKnown(key))
        {
            await ApiResponses.WriteErrorAsync(context, ApiError.AuthenticationFailed(), config.ErrorsHttp200);
            return;
        }
        if (!state.Keys.TryPassRateLimit(key, endpoint, config.RateLimit, config.RateLimitFor(endpoint)))
        {
            state.Stats.CountRateLimited(endpoint);
            await ApiResponses.WriteErrorAsync(context, ApiError.RateLimited(config.RetryAfter), config.ErrorsHttp200);
            return;
        }
        context.Items[KeyItem] = key;
        await handler(context, endpoint);
    }

    internal EmulatorState State => state;

    private const string KeyItem = "veo.apiKey";

    private static string? BearerKeyOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var key = header[scheme.Length..].Trim();
        return key.Length == 0 ? null : key;
    }

    private Task ErrorAsync(HttpContext context, ApiError error) => ApiResponses.WriteErrorAsync(context, error, state.Config.ErrorsHttp200);

    private async Task GenerateVideoAsync(HttpContext context)
    {
        var config = state.Config;
        var key = (string)context.Items[KeyItem]!;
        if (context.Request.ContentLength > MaxJsonBodyBytes)
        {
            await ErrorAsync(context, ApiError.Invalid("request body is too large"));
            return;
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            await ErrorAsync(context, ApiError.Invalid("request body is not valid JSON"));
            return;
        }
        using (document)
        {
            var request = GenerationRequest.Read(document.RootElement, out var problem);
            problem ??= Validate(request!, config);
            if (problem is not null)
            {
                await ErrorAsync(context, ApiError.Invalid(problem));
                return;
            }
            var r = request!;
            if (!state.Keys.TryCharge(key, out var current))
            {
                await ErrorAsync(context, ApiError.InsufficientCredits(current));
                return;
            }
            var job = state.Jobs.Create(key, r.GenerationType!, r.Prompt!, r.AspectRatio ?? "auto", r.ImageUrl, r.ImageKey, config.JobSeconds);
            state.Stats.RecordCharge(KeyStore.CreditsPerGeneration, r.Fingerprint(key));
            await ApiResponses.WriteSuccessAsync(context, job.SuccessMessage, w =>
            {
                w.WriteStartObject();
                WriteJobFields(w, job, JobStatus.Pending);
                w.WriteEndObject();
            });
        }
    }

    private string? Validate(GenerationRequest request, EmulatorOptions config)
    {
        if (request.GenerationType is null) return "generationType is required";
        if (!GenerationTypes.Contains(request.GenerationType)) return $"generationType must be one of {string.Join(", ", GenerationTypes)}";
        if (string.IsNullOrWhiteSpace(request.Prompt)) return "prompt is required";
        if (request.Prompt.Length > config.MaxPromptLength) return $"prompt is longer than {config.MaxPromptLength} characters";
        if (request.AspectRatio is not null && !AspectRatios.Contains(request.AspectRatio)) return $"aspectRatio must be one of {string.Join(", ", AspectRatios)}";
        if (request.GenerationType == "image_to_video" && string.IsNullOrEmpty(request.ImageUrl)) return "imageUrl is required for image_to_video";

        StoredImage? byUrl = null;
        if (!string.IsNullOrEmpty(request.ImageUrl))
        {
            var prefix = state.CdnOrigin + "/images/";
            byUrl = request.ImageUrl.StartsWith(prefix, StringComparison.Ordinal) ? state.Uploads.Find(request.ImageUrl[prefix.Length..]) : null;
            if (byUrl is null) return "imageUrl is not an image uploaded with /upload-video-image";
        }
        if (!string.IsNullOrEmpty(request.ImageKey))
        {
            var byKey = state.Uploads.Find(request.ImageKey);
            if (byKey is null) return "imageKey is not an image uploaded with /upload-video-image";
            if (byUrl is not null && byUrl.Key != byKey.Key) return "imageKey does not belong to imageUrl";
        }
        return null;
    }

    private async Task VideoStatusAsync(HttpContext context, string uuid)
    {
        var job = state.Jobs.Find(uuid);
        if (job is null)
        {
            await ErrorAsync(context, ApiError.UnknownUuid(uuid));
            return;
        }
        var config = state.Config;
        var jobState = job.StateAt(System.Diagnostics.Stopwatch.GetTimestamp());
        var videoUrl = jobState.Status == JobStatus.Completed && !job.TryOmitUrl() ? state.VideoUrlOf(job) : null;
        var shownUuid = job.Uuid;
        // One fault per request: the URL kinds are only candidates when there is a URL to change.
        var fault = state.Faults.Pick(EmulatorEndpoints.VideoStatus,
            kind => FaultKinds.StatusAnswerKinds.Contains(kind) && (videoUrl is not null || !FaultKinds.VideoUrlKinds.Contains(kind)));
        switch (fault?.Kind)
        {
            case FaultKinds.BadVideoUrl: videoUrl = fault.Value ?? "file:///etc/passwd"; break;
            case FaultKinds.NoVideoUrl: videoUrl = null; break;
            case FaultKinds.OtherUuid: shownUuid = fault.Value ?? Guid.NewGuid().ToString("D"); break;
            case FaultKinds.UpperCaseUuid: shownUuid = job.Uuid.ToUpperInvariant(); break;
        }
        var estimatedTime = state.EstimatedTimes.Report(config.EstimatedTime, jobState.RemainingSeconds);
        var failure = jobState.HasEnded ? job.Failure : null;
        await ApiResponses.WriteSuccessAsync(context, job.SuccessMessage, w =>
        {
            w.WriteStartObject();
            WriteJobFields(w, job, jobState.Status, shownUuid);
            if (config.Progress != ProgressModes.Missing) w.WriteNumber("progress", jobState.Progress);
            if (estimatedTime is { } eta) w.WriteNumber("estimatedTime", eta);
            if (videoUrl is not null) w.WriteString("videoUrl", videoUrl);
            if (failure is { } f) w.WriteString(f.Field, f.Text);
            w.WriteEndObject();
        });
    }

    private async Task UploadVideoImageAsync(HttpContext context)
    {
        var limit = state.Config.MaxUploadBytes;
        var boundary = BoundaryOf(context.Request);
        if (boundary is null)
        {
            await ErrorAsync(context, ApiError.Invalid("the request must be multipart/form-data with a file field"));
            return;
        }
        var reader = new MultipartReader(boundary, context.Request.Body);
        MultipartSection? section;
        try
        {
            while ((section = await reader.ReadNextSectionAsync(context.RequestAborted)) is not null)
            {
                if (!TryReadDisposition(section.ContentDisposition, out var name, out var fileName, out var problem))
                {
                    context.Response.Headers.Connection = "close";
                    await ErrorAsync(context, ApiError.Invalid("the multipart body is not RFC 7578 form-data: " + problem));
                    return;
                }
                if (name != "file")
                {
                    await section.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                    continue;
                }
                var received = await ReceiveFileAsync(section.Body, limit, context.RequestAborted);
                if (received.Format is not null && fileName is not null) state.Stats.RecordUploadFileName(fileName);
                if (received.Format is not null) state.Stats.RecordUploadSha256(received.Sha256);
                await received.AnswerAsync(this, context, limit);
                return;
            }
        }
        catch (InvalidDataException)
        {
            await ErrorAsync(context, ApiError.Invalid("the multipart body is malformed"));
            return;
        }
        await ErrorAsync(context, ApiError.Invalid("the form has no file field named 'file'"));
    }

    /// <summary>The part's name and file name: read strictly (RFC 7578) unless <c>--strict-multipart false</c>.</summary>
    private bool TryReadDisposition(string? header, out string? name, out string? fileName, out string problem)
    {
        if (state.Config.StrictMultipart)
        {
            var strict = StrictMultipart.Parse(header, out problem);
            name = strict?.Name;
            fileName = strict?.FileName;
            return strict is not null;
        }
        problem = "";
        name = fileName = null;
        if (!ContentDispositionHeaderValue.TryParse(header, out var disposition)) return true;
        name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
        fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
        return true;
    }

    private static string? BoundaryOf(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return null;
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) ? null : boundary;
    }

    /// <summary>Streams the file part to a temp file, stopping as soon as it is over the limit or not an accepted image.</summary>
    private async Task<ReceivedFile> ReceiveFileAsync(Stream body, long limit, CancellationToken ct)
    {
        var tempPath = state.Uploads.NewTempPath();
        var buffer = new byte[81920];
        var head = new byte[ImageFormat.BytesNeeded];
        var headLength = 0;
        long total = 0;
        ImageFormat? format = null;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true))
        {
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > limit) return ReceivedFile.Rejected(tempPath, tooLarge: true);
                if (headLength < head.Length)
                {
                    var take = Math.Min(head.Length - headLength, read);
                    Array.Copy(buffer, 0, head, headLength, take);
                    headLength += take;
                    if (headLength == head.Length && (format = ImageFormat.Detect(head)) is null)
                        return ReceivedFile.Rejected(tempPath, tooLarge: false);
                }
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        format ??= ImageFormat.Detect(head.AsSpan(0, headLength));
        return format is null ? ReceivedFile.Rejected(tempPath, tooLarge: false)
            : new ReceivedFile(tempPath, format, total, false) { Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()) };
    }

    private sealed record ReceivedFile(string TempPath, ImageFormat? Format, long Length, bool TooLarge)
    {
        public static ReceivedFile Rejected(string tempPath, bool tooLarge) => new(tempPath, null, 0, tooLarge);

        /// <summary>Lower-case hex SHA-256 of the file part's bytes as received.</summary>
        public string Sha256 { get; init; } = "";

        public async Task AnswerAsync(ApiEndpoints api, HttpContext context, long limit)
        {
            if (Format is null)
            {
                TryDelete(TempPath);
                // Unread request bytes are left behind: close the connection rather than drain them.
                context.Response.Headers.Connection = "close";
                await api.ErrorAsync(context, TooLarge ? ApiError.TooLarge(limit) : ApiError.Invalid("file must be a JPEG, PNG or WebP image"));
                return;
            }
            var image = api.State.Uploads.Add(TempPath, Format, Length);
            await ApiResponses.WriteSuccessAsync(context, "Upload successful", w =>
            {
                w.WriteStartObject();
                w.WriteString("imageUrl", api.State.ImageUrlOf(image.Key));
                w.WriteString("imageKey", image.Key);
                w.WriteEndObject();
            });
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The fields a job's data carries in both the generate answer and the status answer.</summary>
    private static void WriteJobFields(Utf8JsonWriter w, Job job, string status, string? shownUuid = null)
    {
        w.WriteString("uuid", shownUuid ?? job.Uuid);
        w.WriteString("status", status);
        w.WriteString("generationType", job.GenerationType);
        w.WriteString("prompt", job.HostileText ? job.Prompt + HostileText.Sequences : job.Prompt);
        w.WriteString("aspectRatio", job.AspectRatio);
        w.WriteString("createdAt", job.CreatedAt);
        if (job.HostileText) w.WriteString("note" + HostileText.Sequences, HostileText.Sequences);
    }
}
