using System.Net.Http.Headers;
using System.Security;
using System.Text;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Logging;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>
/// The rules that guard the API key and the URLs the client follows, pinned where they are written (UrlRules,
/// ApiKeyHolder, LogRedactor). Each test name states one rule; docs/testing.md records how well they pin it.
/// </summary>
public class KeyAndUrlRuleTests
{
    private static Uri U(string text) => new(text);

    // ---- The key goes only to the API's origin: scheme, host and port must all match.

    [Theory]
    [InlineData("https://api.example.com/v1/", "https://api.example.com/v1/status?x=1", true)]
    [InlineData("https://api.example.com/", "https://API.Example.COM/other/path", true)]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5000/video-status", true)]
    [InlineData("https://api.example.com/", "https://cdn.example.com/", false)]
    [InlineData("https://api.example.com/", "https://api.example.com.evil.net/", false)]
    [InlineData("https://api.example.com/", "https://api.example.com:8443/", false)]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5001/", false)]
    [InlineData("http://127.0.0.1:5000/", "http://localhost:5000/", false)]
    [InlineData("https://127.0.0.1:5000/", "http://127.0.0.1:5000/", false)]
    public void The_key_goes_only_to_the_APIs_origin(string api, string target, bool sameOrigin)
    {
        Assert.Equal(sameOrigin, UrlRules.SameOrigin(U(target), U(api)));
        Assert.Equal(sameOrigin, UrlRules.SameOrigin(U(api), U(target)));

        // Where the decision is taken for every API request.
        using var key = new ApiKeyHolder(Secure("sk-abc"));
        using var request = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Get, U(target));
        key.Authorize(request, U(api));
        Assert.Equal(sameOrigin ? "Bearer sk-abc" : null, request.Headers.Authorization?.ToString());
    }

    // ---- Loopback is 127.0.0.0/8, ::1 and the name localhost, nothing that merely starts like them.

    [Theory]
    [InlineData("http://localhost:1/", true)]
    [InlineData("http://LOCALHOST/", true)]
    [InlineData("http://127.0.0.1/", true)]
    [InlineData("http://127.9.8.7:80/", true)]
    [InlineData("http://[::1]:5000/", true)]
    [InlineData("http://localhost.example.com/", false)]
    [InlineData("http://127.0.0.1.nip.io/", false)]
    [InlineData("http://10.0.0.1/", false)]
    [InlineData("http://[::2]/", false)]
    [InlineData("http://example.com/", false)]
    public void Loopback_means_the_local_machine_and_nothing_that_only_looks_like_it(string url, bool loopback)
        => Assert.Equal(loopback, UrlRules.IsLoopback(U(url)));

    // ---- The API base.

    [Theory]
    [InlineData("https://api.example.com", "https://api.example.com/")]
    [InlineData("https://api.example.com/v1", "https://api.example.com/v1/")]
    [InlineData("https://api.example.com/v1/", "https://api.example.com/v1/")]
    [InlineData("https://api.example.com/v1/?token=secret#frag", "https://api.example.com/v1/")]
    [InlineData("http://127.0.0.1:5000/api", "http://127.0.0.1:5000/api/")]
    [InlineData("http://localhost:5000/", "http://localhost:5000/")]
    [InlineData("http://[::1]:5000/", "http://[::1]:5000/")]
    public void The_API_base_is_https_or_loopback_http_ending_in_one_slash_without_query(string given, string expected)
        => Assert.Equal(expected, UrlRules.CheckBaseUri(U(given)).AbsoluteUri);

    [Theory]
    [InlineData("http://api.example.com/", "plain http")]
    [InlineData("http://10.1.2.3:5000/", "plain http")]
    [InlineData("ftp://127.0.0.1/", "scheme 'ftp'")]
    [InlineData("file:///etc/passwd", "scheme 'file'")]
    [InlineData("https://user:pass@api.example.com/", "user information")]
    [InlineData("http://user@127.0.0.1/", "user information")]
    public void An_API_base_that_could_leak_the_key_is_refused(string given, string why)
    {
        var ex = Assert.Throws<VeoException>(() => UrlRules.CheckBaseUri(U(given)));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Contains(why, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("pass", ex.Message.Replace("passwd", ""));
    }

    [Fact]
    public void A_missing_or_relative_API_base_is_refused()
    {
        Assert.Equal(VeoErrorKind.UnsafeUrl, Assert.Throws<VeoException>(() => UrlRules.CheckBaseUri(null)).Kind);
        var relative = Assert.Throws<VeoException>(() => UrlRules.CheckBaseUri(new Uri("api/v1", UriKind.Relative)));
        Assert.Equal(VeoErrorKind.UnsafeUrl, relative.Kind);
        Assert.Contains("absolute", relative.Message);
    }

    // ---- Video URLs and redirect targets.

    [Theory]
    [InlineData("https://cdn.example.com/v.mp4?sig=abc")]
    [InlineData("  https://cdn.example.com/v.mp4  ")]
    [InlineData("http://127.0.0.1:6000/v.mp4")]
    [InlineData("http://localhost:6000/v.mp4")]
    [InlineData("http://[::1]:6000/v.mp4")]
    public void A_video_URL_is_followed_over_https_or_to_loopback_http(string url)
    {
        Uri checkedUri = UrlRules.CheckDownloadUri(url);
        Assert.Equal(url.Trim(), checkedUri.OriginalString);
    }

    // The API's own scheme and host decide nothing here: an emulator on loopback http does not open plain http to others.
    [Theory]
    [InlineData("http://cdn.example.com/v.mp4", "plain http")]
    [InlineData("http://192.168.1.5/v.mp4", "plain http")]
    [InlineData("ftp://cdn.example.com/v.mp4", "scheme 'ftp'")]
    [InlineData("file:///etc/passwd", "scheme 'file'")]
    [InlineData("https://user:pw@cdn.example.com/v.mp4", "user information")]
    [InlineData("relative/v.mp4", "not an absolute")]
    [InlineData("", "not an absolute")]
    [InlineData("   ", "not an absolute")]
    [InlineData(null, "not an absolute")]
    public void A_video_URL_that_is_not_https_or_loopback_http_is_refused(string? url, string why)
    {
        var ex = Assert.Throws<VeoException>(() => UrlRules.CheckDownloadUri(url));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
        Assert.Contains(why, ex.Message);
        Assert.Contains("video URL", ex.Message);
    }

    // Spellings that try to pass a non-loopback host off as loopback (or hide one behind user info) are refused.
    [Theory]
    [InlineData("http://127.0.0.1./v.mp4")]
    [InlineData("http://localhost./v.mp4")]
    [InlineData("http://127.0.0.1.0/v.mp4")]
    [InlineData("http://localhost.localdomain.evil.example/v.mp4")]
    [InlineData("http://evil.example\\@127.0.0.1/v.mp4")]
    [InlineData("http://127.0.0.1:80@evil.example/v.mp4")]
    [InlineData("http://127.0.0.1%2eevil.example/v.mp4")]
    [InlineData("http://0/v.mp4")]
    [InlineData("http://[::]/v.mp4")]
    [InlineData("http://[fe80::1]/v.mp4")]
    [InlineData("http:evil.example/v.mp4")]
    [InlineData("HTTP://EVIL.EXAMPLE/v.mp4")]
    [InlineData("http://xn--lcalhost-c8a.example/v.mp4")]
    public void A_plain_http_video_URL_that_only_looks_like_loopback_is_refused(string url)
    {
        var ex = Assert.Throws<VeoException>(() => UrlRules.CheckDownloadUri(url));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
    }

    // Other spellings of a loopback address are loopback (what HttpClient connects to is uri.IdnHost, the host checked).
    [Theory]
    [InlineData("http://0x7f.1/v.mp4", "127.0.0.1")]
    [InlineData("http://2130706433/v.mp4", "127.0.0.1")]
    [InlineData("http://127.1/v.mp4", "127.0.0.1")]
    [InlineData("http://0177.0.0.1/v.mp4", "127.0.0.1")]
    [InlineData("http://[0:0:0:0:0:0:0:1]/v.mp4", "[::1]")]
    public void Other_spellings_of_a_loopback_address_are_loopback_and_name_it(string url, string host)
    {
        Uri uri = UrlRules.CheckDownloadUri(url);
        Assert.Equal(host, uri.Host);
        Assert.True(UrlRules.IsLoopback(uri));
    }

    [Fact]
    public void A_refused_transfer_URL_is_named_by_what_it_is()
    {
        var ex = Assert.Throws<VeoException>(() => UrlRules.CheckTransferUri(U("http://evil.example/x"), "redirect target"));
        Assert.Equal("The redirect target uses plain http to 'evil.example'; only https is followed.", ex.Message);
    }

    // ---- What messages and logs show of a URL: never its query.

    [Theory]
    [InlineData("https://cdn.example.com:8443/a/b.mp4?X-Amz-Signature=secret#f", "https://cdn.example.com:8443/a/b.mp4")]
    [InlineData("http://127.0.0.1:5000/v?sig=secret", "http://127.0.0.1:5000/v")]
    [InlineData("not a url ?sig=secret", "not a url ")]
    [InlineData("ftp://host/file?sig=secret", "ftp://host/file")]
    [InlineData("", "")]
    public void A_URL_is_shown_without_its_query(string url, string shown)
        => Assert.Equal(shown, UrlRules.ShowUrl(url));

    [Fact]
    public void A_long_non_URL_is_shown_cut_at_80_characters()
    {
        string text = new string('a', 100);
        Assert.Equal(new string('a', 80) + "...", UrlRules.ShowUrl(text));
        Assert.Equal(new string('b', 80), UrlRules.ShowUrl(new string('b', 80)));
        Assert.Equal(new string('c', 50), UrlRules.ShowUrl(new string('c', 50) + "?" + new string('s', 49)));
        Assert.Equal("", UrlRules.ShowUrl((string?)null));
    }

    [Fact]
    public void A_relative_Uri_is_shown_as_relative_and_never_as_its_text()
    {
        Assert.Equal("(relative URL)", UrlRules.ShowUrl(new Uri("v.mp4?sig=secret", UriKind.Relative)));
        Assert.Equal("https://h.example/p", UrlRules.ShowUrl(U("https://h.example/p?q=secret")));
    }

    // ---- The key as people paste it.

    private static SecureString Secure(string text) => EmulatorHarness.Secure(text);

    private static string HeaderOf(string pasted)
    {
        using var holder = new ApiKeyHolder(Secure(pasted));
        AuthenticationHeaderValue header = holder.CreateAuthorizationHeader();
        Assert.Equal("Bearer", header.Scheme);
        return header.Parameter!;
    }

    [Theory]
    [InlineData("sk-abc", "sk-abc")]
    [InlineData("sk-abc\n", "sk-abc")]
    [InlineData("\r\n\tsk-abc \r\n", "sk-abc")]
    [InlineData("\uFEFFsk-abc", "sk-abc")]
    [InlineData("\u00A0sk-abc\u00A0", "sk-abc")]
    [InlineData("a", "a")]
    [InlineData(" a b ", "a b")]
    [InlineData("~!sk~", "~!sk~")]
    public void The_key_is_sent_as_pasted_less_the_white_space_around_it(string pasted, string sent)
        => Assert.Equal(sent, HeaderOf(pasted));

    [Theory]
    [InlineData("", "The API key is empty.")]
    [InlineData(" \r\n\t\uFEFF", "The API key is empty once the surrounding white space is removed.")]
    public void An_empty_key_is_refused_before_anything_is_sent(string pasted, string message)
    {
        var ex = Assert.Throws<VeoException>(() => new ApiKeyHolder(Secure(pasted)));
        Assert.Equal(VeoErrorKind.InvalidApiKey, ex.Kind);
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("ab\u0007cd", "the control character U+0007 at position 3 of 5")]
    [InlineData(" ab\u007Fc ", "the control character U+007F at position 3 of 4")]
    [InlineData("\tk\u00E9y", "the non-ASCII character U+00E9 at position 2 of 3")]
    [InlineData("sk\u200Bx", "the non-ASCII character U+200B at position 3 of 4")]
    [InlineData("zq\u0080", "the control character U+0080 at position 3 of 3")]
    public void A_key_that_cannot_travel_in_a_header_is_refused_and_never_quoted(string pasted, string where)
    {
        var ex = Assert.Throws<VeoException>(() => new ApiKeyHolder(Secure(pasted)));
        Assert.Equal(VeoErrorKind.InvalidApiKey, ex.Kind);
        Assert.Contains("it contains " + where + ".", ex.Message);
        Assert.DoesNotContain(pasted.Trim(), ex.Message);
    }

    [Fact]
    public void A_missing_key_is_refused_naming_the_key()
        => Assert.Equal("apiKey", Assert.Throws<ArgumentNullException>(() => new ApiKeyHolder(null!)).ParamName);

    [Fact]
    public void The_holder_never_shows_the_key_and_keeps_its_own_read_only_copy()
    {
        SecureString mine = Secure("  sk-canary-1234 ");
        SecureString copy = ApiKeyHolder.Normalize(mine);
        Assert.True(copy.IsReadOnly());
        Assert.Equal("sk-canary-1234".Length, copy.Length);
        using var holder = new ApiKeyHolder(mine);
        mine.Dispose();
        Assert.Equal("Bearer sk-canary-1234", holder.CreateAuthorizationHeader().ToString());
        Assert.Equal("ApiKey(***)", holder.ToString());
        Assert.Throws<ArgumentNullException>(() => new ApiKeyHolder(null!));
    }

    [Fact]
    public void A_disposed_holder_cannot_build_a_header()
    {
        var holder = new ApiKeyHolder(Secure("sk-x"));
        holder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => holder.CreateAuthorizationHeader());
    }

    // ---- What a log line may show.

    [Theory]
    [InlineData("Authorization")]
    [InlineData("authorization")]
    [InlineData("Proxy-Authorization")]
    [InlineData("x-ms-copy-source-authorization")]
    [InlineData("x-ms-encryption-key")]
    [InlineData("x-ms-encryption-key-sha256")]
    public void Authorization_headers_are_never_named_in_a_log(string name)
        => Assert.Equal("", LogRedactor.Header(name, new[] { "Bearer sk-canary" }));

    [Theory]
    [InlineData("Content-Range", "bytes 0-9/100")]
    [InlineData("content-type", "video/mp4")]
    [InlineData("Retry-After", "5")]
    [InlineData("ETag", "\"v1\"")]
    [InlineData("Via", "1.1 cdn")]
    public void Allow_listed_headers_show_their_values(string name, string value)
        => Assert.Equal(name + ": " + value, LogRedactor.Header(name, new[] { value }));

    [Theory]
    [InlineData("Cookie")]
    [InlineData("Set-Cookie")]
    [InlineData("X-Api-Key")]
    [InlineData("Location")]
    public void Every_other_header_shows_only_its_name(string name)
        => Assert.Equal(name + ": ***", LogRedactor.Header(name, new[] { "secret-canary" }));

    [Fact]
    public void Several_values_and_headers_are_joined_and_a_skipped_header_leaves_no_gap()
    {
        Assert.Equal("Accept-Encoding: gzip, identity", LogRedactor.Header("Accept-Encoding", new[] { "gzip", "identity" }));
        using var response = new HttpResponseMessage();
        response.Headers.Add("Authorization", "Bearer sk-canary");
        response.Headers.Add("Server", "emu");
        response.Content = new ByteArrayContent(Array.Empty<byte>());
        response.Content.Headers.ContentLength = 0;
        Assert.Equal("Server: emu; Content-Length: 0", LogRedactor.Headers(response.Headers, response.Content.Headers));
        Assert.Equal("Content-Length: 0", LogRedactor.Headers(null, response.Content.Headers));
        Assert.Equal("", LogRedactor.Headers(null));
    }

    [Theory]
    [InlineData("Accept")]
    [InlineData("Accept-Encoding")]
    [InlineData("Accept-Ranges")]
    [InlineData("Cache-Control")]
    [InlineData("Connection")]
    [InlineData("Content-Encoding")]
    [InlineData("Content-Length")]
    [InlineData("Content-Range")]
    [InlineData("Content-Type")]
    [InlineData("Date")]
    [InlineData("ETag")]
    [InlineData("If-Range")]
    [InlineData("Last-Modified")]
    [InlineData("Range")]
    [InlineData("Retry-After")]
    [InlineData("Server")]
    [InlineData("Transfer-Encoding")]
    [InlineData("User-Agent")]
    [InlineData("Via")]
    public void Every_allow_listed_header_shows_its_value(string name)
        => Assert.Equal(name + ": shown", LogRedactor.Header(name, new[] { "shown" }));

    [Fact]
    public void A_skipped_header_between_two_others_leaves_no_gap()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        request.Headers.TryAddWithoutValidation("Via", "1.1 a");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-canary");
        request.Headers.TryAddWithoutValidation("Server", "b");
        Assert.Equal("Via: 1.1 a; Server: b", LogRedactor.Headers(request.Headers));
    }

    [Fact]
    public void A_content_type_that_is_json_itself_counts_as_JSON_and_a_body_of_exactly_the_limit_is_whole()
    {
        Assert.Equal("1", Body("1", "json"));
        string exact = "[" + new string('1', LogRedactor.MaxBodyChars - 2) + "]";
        Assert.Equal(LogRedactor.MaxBodyChars, exact.Length);
        Assert.Equal(exact, Body(exact, "application/json"));
        // A lone surrogate's bytes are not UTF-8: never decoded with replacement characters.
        Assert.Equal("(5 bytes, not valid UTF-8, not shown)", LogRedactor.Body(new ArraySegment<byte>(new byte[] { (byte)'[', 0xED, 0xA0, 0x80, (byte)']' }), "application/json"));
    }

    [Fact]
    public void A_non_http_URL_is_shown_as_text_cut_at_its_query()
    {
        Assert.Equal("", UrlRules.ShowUrl("?sig=secret"));
        Assert.Equal("mailto:a@b", UrlRules.ShowUrl("mailto:a@b?subject=secret"));
        // An http(s) URL is shown whole however long, never cut like text.
        string longUrl = "https://cdn.example.com/" + new string('p', 100) + ".mp4";
        Assert.Equal(longUrl, UrlRules.ShowUrl(longUrl + "?sig=secret"));
        Assert.Equal(longUrl.Replace("https:", "http:"), UrlRules.ShowUrl(longUrl.Replace("https:", "http:") + "?sig=secret"));
    }

    private static string Body(string text, string? contentType) => LogRedactor.Body(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), contentType);

    [Fact]
    public void A_body_is_shown_only_when_it_is_JSON()
    {
        Assert.Equal("(empty body)", LogRedactor.Body(new ArraySegment<byte>(Array.Empty<byte>()), "application/json"));
        Assert.Equal("{\"a\":1}", Body("{\"a\":1}", "application/json; charset=utf-8"));
        Assert.Equal("{\"a\":1}", Body("{\"a\":1}", null));
        Assert.Equal("[1]", Body("[1]", "text/plain"));
        Assert.Equal("\"x\"", Body("\"x\"", "application/problem+JSON"));
        Assert.Equal("(6 bytes of text/plain, not shown)", Body("secret", "text/plain"));
        Assert.Equal("(6 bytes of unknown type, not shown)", Body("secret", null));
    }

    [Fact]
    public void A_JSON_body_is_looked_at_from_where_its_segment_starts()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("xx{\"a\":1}");
        Assert.Equal("{\"a\":1}", LogRedactor.Body(new ArraySegment<byte>(bytes, 2, bytes.Length - 2), null));
        byte[] html = Encoding.UTF8.GetBytes("{<html>");
        Assert.Equal("(6 bytes of unknown type, not shown)", LogRedactor.Body(new ArraySegment<byte>(html, 1, 6), null));
    }

    [Fact]
    public void A_body_that_is_not_UTF8_is_not_shown()
        => Assert.Equal("(3 bytes, not valid UTF-8, not shown)", LogRedactor.Body(new ArraySegment<byte>(new byte[] { (byte)'{', 0xFF, 0xFE }), "application/json"));

    [Fact]
    public void A_long_JSON_body_is_cut_at_the_limit_and_says_how_long_it_was()
    {
        string exact = "[" + new string('1', LogRedactor.MaxBodyChars - 2) + "]";
        Assert.Equal(exact, Body(exact, "application/json"));
        string longer = "[" + new string('1', LogRedactor.MaxBodyChars) + "]";
        Assert.Equal(longer.Substring(0, LogRedactor.MaxBodyChars) + "... (" + longer.Length + " bytes)", Body(longer, "application/json"));
        string huge = "[" + new string('2', LogRedactor.MaxBodyChars * 8) + "]";
        Assert.Equal(huge.Substring(0, LogRedactor.MaxBodyChars) + "... (" + huge.Length + " bytes)", Body(huge, "application/json"));
    }

    [Fact]
    public void Control_characters_in_a_logged_body_are_made_visible()
    {
        string shown = Body("{\"a\":\"\u001b[31mred\"}", "application/json");
        Assert.DoesNotContain('\u001b', shown);
    }
}
