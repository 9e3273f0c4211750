using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Veo31.Emulator;

/// <summary>One request the recording proxy received, as served in <c>proxyRequests</c> of the stats.</summary>
/// <param name="Url">The absolute-form request target, e.g. <c>http://127.0.0.1:41234/api/video-status/x</c>.</param>
/// <param name="Method">The request method.</param>
/// <param name="Status">The status the proxy answered with (407, 403, 502 are its own; anything else came from the target).</param>
/// <param name="ProxyAuthorization">Whether a <c>Proxy-Authorization</c> header was sent.</param>
/// <param name="ProxyUser">The user name of a <c>Basic</c> Proxy-Authorization (never the password), else null.</param>
public sealed record EmulatorProxyRequest(string Url, string Method, int Status, bool ProxyAuthorization, string? ProxyUser);

/// <summary>
/// The optional third listener (<c>--proxy-urls</c>): a plain-HTTP forward proxy that accepts absolute-form request
/// targets, forwards them to loopback hosts only (403 otherwise), streams both bodies, and records every request.
/// With <c>--proxy-require-auth user:password</c> it answers 407 (<c>Proxy-Authenticate: Basic realm="veo"</c>) until
/// the right Basic credentials come.
/// </summary>
internal sealed class ProxyEndpoints : IDisposable
{
    // RFC 9110 7.6.1 plus the proxy-only ones; Host is set by HttpClient from the target URL.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Expect",
    };

    private readonly EmulatorState _state;
    private readonly HttpClient _http;

    public ProxyEndpoints(EmulatorState state)
    {
        _state = state;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The proxy's own origin (set once it listens), so a request to itself is refused instead of looping.</summary>
    public Uri? Origin { get; set; }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var (hasAuthorization, user, authorized) = CheckAuthorization(request.Headers.ProxyAuthorization.ToString());

        if (!Uri.TryCreate(rawTarget, UriKind.Absolute, out var target) || target.Scheme != Uri.UriSchemeHttp)
        {
            // Origin-form (a client that does not know it talks to a proxy), CONNECT or a non-http scheme.
            await AnswerAsync(context, rawTarget, hasAuthorization, user, 400, "The emulator proxy takes absolute-form http:// targets only.");
            return;
        }
        var url = target.AbsoluteUri;
        if (!authorized)
        {
            context.Response.Headers.ProxyAuthenticate = "Basic realm=\"veo\"";
            await AnswerAsync(context, url, hasAuthorization, user, 407, "Proxy authentication required.");
            return;
        }
        if (!IsLoopback(target))
        {
            await AnswerAsync(context, url, hasAuthorization, user, 403, "The emulator proxy forwards to loopback hosts only.");
            return;
        }
        if (Origin is { } own && target.Port == own.Port && IsLoopback(target))
        {
            await AnswerAsync(context, url, hasAuthorization, user, 508, "The emulator proxy does not forward to itself.");
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), target);
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (canHaveBody) forward.Content = new StreamContent(request.Body);
        else if (request.ContentType is not null) forward.Content = new ByteArrayContent([]);
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key) || IsListedInConnection(request.Headers.Connection, header.Key)) continue;
            if (!forward.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
                forward.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
        }

        HttpResponseMessage answer;
        try
        {
            answer = await _http.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            if (context.RequestAborted.IsCancellationRequested) return;
            // The target dropped the connection or refused it: what a real proxy says then.
            await AnswerAsync(context, url, hasAuthorization, user, 502, "The emulator proxy could not reach the target: " + e.Message);
            return;
        }

        using (answer)
        {
            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            {
                if (HopByHop.Contains(header.Key)) continue;
                response.Headers[header.Key] = header.Value.ToArray();
            }
            Record(url, request.Method, response.StatusCode, hasAuthorization, user);
            try
            {
                await using var body = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
                await body.CopyToAsync(response.Body, context.RequestAborted);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // The target cut the body short (a truncate or drop fault): the client must see the cut too.
                context.Abort();
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, string url, bool hasAuthorization, string? user, int status, string message)
    {
        Record(url, context.Request.Method, status, hasAuthorization, user);
        var body = Encoding.UTF8.GetBytes(message + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    // Recorded before the answer's headers go out, so a client that has its answer always finds its request in the stats.
    private void Record(string url, string method, int status, bool hasAuthorization, string? user) =>
        _state.Stats.RecordProxyRequest(new EmulatorProxyRequest(url, method, status, hasAuthorization, user));

    private (bool HasAuthorization, string? User, bool Authorized) CheckAuthorization(string header)
    {
        var required = _state.Options.ProxyRequireAuth;
        if (string.IsNullOrEmpty(header)) return (false, null, string.IsNullOrEmpty(required));
        string? decoded = null;
        const string basic = "Basic ";
        if (header.StartsWith(basic, StringComparison.OrdinalIgnoreCase))
        {
            try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[basic.Length..].Trim())); }
            catch (FormatException) { }
        }
        var colon = decoded?.IndexOf(':') ?? -1;
        var user = decoded is null ? null : colon >= 0 ? decoded[..colon] : decoded;
        var authorized = string.IsNullOrEmpty(required) || string.Equals(decoded, required, StringComparison.Ordinal);
        return (true, user, authorized);
    }

    private static bool IsLoopback(Uri target) =>
        string.Equals(target.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(target.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static bool IsListedInConnection(Microsoft.Extensions.Primitives.StringValues connection, string name)
    {
        foreach (var value in connection)
            foreach (var token in (value ?? "").Split(','))
                if (string.Equals(token.Trim(), name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    public void Dispose() => _http.Dispose();
}
