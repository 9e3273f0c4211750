using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Veo31.Emulator;

internal enum FaultOutcome
{
    /// <summary>No fault, or one (delay) after which the request is handled normally.</summary>
    HandleNormally,
    /// <summary>The fault answered (or aborted) the request; nothing more to do.</summary>
    Answered,
    /// <summary>Handle the request, discard its answer, then abort the connection.</summary>
    HandleThenDrop,
    /// <summary>Handle the request, hold its answer back for the fault's delay, then send it.</summary>
    HandleThenDelay,
    /// <summary>Handle the request, wait the fault's delay, then abort without an answer.</summary>
    HandleThenDelayDrop,
    /// <summary>The endpoint itself must send the full Content-Length and abort after half the body.</summary>
    TruncateBody,
}

/// <summary>Carries out the fault kinds that do not depend on the endpoint's own work.</summary>
internal sealed class FaultResponder(EmulatorState state)
{
    private const int HugeBodyBytes = 64 * 1024 * 1024;
    private static readonly byte[] HugeBodyPadding = Enumerable.Repeat((byte)'x', 64 * 1024).ToArray();
    private static readonly byte[] SlowBodyText = "{\"code\":0,\"msg\":\"Success\",\"data\":"u8.ToArray();

    public async Task<FaultOutcome> ApplyAsync(HttpContext context, FaultRule? fault, string endpoint, bool endpointTruncates)
    {
        if (fault is null) return FaultOutcome.HandleNormally;
        var response = context.Response;
        switch (fault.Kind)
        {
            case FaultKinds.Error5000:
                await ApiResponses.WriteEnvelopeAsync(context, 500, 5000, "Server error", null);
                return FaultOutcome.Answered;
            case FaultKinds.Error5000Http200:
                await ApiResponses.WriteEnvelopeAsync(context, 200, 5000, "Server error", null);
                return FaultOutcome.Answered;
            case FaultKinds.RateLimit:
                state.Stats.CountRateLimited(endpoint);
                response.Headers.RetryAfter = fault.RetryAfter.ToString(CultureInfo.InvariantCulture);
                await ApiResponses.WriteEnvelopeAsync(context, 429, 1003, "Rate limit exceeded", null);
                return FaultOutcome.Answered;
            case FaultKinds.Html502:
                await WriteTextAsync(context, 502, "text/html; charset=utf-8",
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
                return FaultOutcome.Answered;
            case FaultKinds.Empty503:
                response.StatusCode = 503;
                response.ContentLength = 0;
                return FaultOutcome.Answered;
            case FaultKinds.Drop:
                context.Abort();
                return FaultOutcome.Answered;
            case FaultKinds.DropAfter:
                return FaultOutcome.HandleThenDrop;
            case FaultKinds.SlowAfter:
                return FaultOutcome.HandleThenDelay;
            case FaultKinds.SlowAfterDrop:
                return FaultOutcome.HandleThenDelayDrop;
            case FaultKinds.Delay:
                using (var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping))
                {
                    try
                    {
                        await Task.Delay(fault.DelayMs, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        context.Abort();
                        return FaultOutcome.Answered;
                    }
                }
                return FaultOutcome.HandleNormally;
            case FaultKinds.MalformedJson:
                await WriteTextAsync(context, 200, "application/json; charset=utf-8", "<<this is not JSON>> {code: 0, msg: Success");
                return FaultOutcome.Answered;
            case FaultKinds.TruncatedJson:
            {
                var full = CannedBodies.Success(endpoint, context, state);
                await ApiResponses.WriteJsonAsync(context, 200, full[..(full.Length / 2)]);
                return FaultOutcome.Answered;
            }
            case FaultKinds.WrongTypes:
                await ApiResponses.WriteJsonAsync(context, 200, CannedBodies.WrongTypes(endpoint));
                return FaultOutcome.Answered;
            case FaultKinds.MissingData:
                await ApiResponses.WriteJsonAsync(context, 200, "{\"code\":0,\"msg\":\"Success\"}"u8.ToArray());
                return FaultOutcome.Answered;
            case FaultKinds.HugeBody:
                await WriteHugeBodyAsync(context);
                return FaultOutcome.Answered;
            case FaultKinds.SlowBody:
                await WriteSlowBodyAsync(context);
                return FaultOutcome.Answered;
            case FaultKinds.Redirect:
                response.StatusCode = 302;
                response.Headers.Location = fault.Value ?? state.CdnOrigin + context.Request.Path + QueryFor(endpoint);
                response.ContentLength = 0;
                return FaultOutcome.Answered;
            case FaultKinds.Truncate:
                if (endpointTruncates) return FaultOutcome.TruncateBody;
                await WriteTruncatedAsync(context, CannedBodies.Success(endpoint, context, state));
                return FaultOutcome.Answered;
            case FaultKinds.Gzip:
                // The request is handled; its answer is gzip whatever the request accepted (cut: 60% of it, ending cleanly).
                ResponseCoding.Force(context, fault.Value == "cut" ? ResponseCoding.GzipCut : ResponseCoding.Gzip);
                return FaultOutcome.HandleNormally;
            case FaultKinds.LyingGzip:
                ResponseCoding.Force(context, ResponseCoding.Lie);
                return FaultOutcome.HandleNormally;
            case FaultKinds.EscapeText:
                await ApiResponses.WriteEnvelopeAsync(context, 400, 1000, HostileText.ErrorMessage, null);
                return FaultOutcome.Answered;
            default:
                // The status-answer kinds (badVideoUrl, noVideoUrl, otherUuid, upperCaseUuid) are applied by the status endpoint itself.
                return FaultOutcome.HandleNormally;
        }
    }

    // A CDN redirect to the CDN's own path gets a marker so the loop is visible in logs; the path still resolves.
    private static string QueryFor(string endpoint) =>
        endpoint is EmulatorEndpoints.CdnVideo or EmulatorEndpoints.CdnImage ? "?redirected=1" : "";

    private static async Task WriteTextAsync(HttpContext context, int status, string contentType, string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Sends the full Content-Length, half the bytes, then aborts the connection.</summary>
    private static async Task WriteTruncatedAsync(HttpContext context, byte[] body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    }

    private async Task WriteHugeBodyAsync(HttpContext context)
    {
        var head = "{\"code\":0,\"msg\":\"Success\",\"data\":{\"padding\":\""u8.ToArray();
        var tail = "\"}}"u8.ToArray();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = HugeBodyBytes;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        try
        {
            await context.Response.Body.WriteAsync(head, stop.Token);
            long remaining = HugeBodyBytes - head.Length - tail.Length;
            while (remaining > 0)
            {
                var take = (int)Math.Min(HugeBodyPadding.Length, remaining);
                await context.Response.Body.WriteAsync(HugeBodyPadding.AsMemory(0, take), stop.Token);
                remaining -= take;
            }
            await context.Response.Body.WriteAsync(tail, stop.Token);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    private async Task WriteSlowBodyAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        try
        {
            await context.Response.StartAsync(stop.Token);
            await context.Response.Body.FlushAsync(stop.Token);
            for (var i = 0; ; i++)
            {
                var next = i < SlowBodyText.Length ? SlowBodyText[i] : (byte)' ';
                await context.Response.Body.WriteAsync(new[] { next }, stop.Token);
                await context.Response.Body.FlushAsync(stop.Token);
                await Task.Delay(1000, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
        catch (IOException)
        {
            context.Abort();
        }
    }
}
