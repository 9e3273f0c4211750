using Veo31.Core.Logging;
using Xunit;

namespace Veo31.Core.Tests;

public class LogRedactorTests
{
    [Fact]
    public void Only_allow_listed_headers_show_values_and_authorization_never_appears()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/api/x");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-secret-canary");
        request.Headers.Add("X-Custom-Token", "token-canary");
        request.Headers.Add("Cookie", "session=cookie-canary");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, null);
        string shown = LogRedactor.Headers(request.Headers);
        Assert.DoesNotContain("sk-secret-canary", shown);
        Assert.DoesNotContain("Authorization", shown, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("token-canary", shown);
        Assert.DoesNotContain("cookie-canary", shown);
        Assert.Contains("X-Custom-Token: ***", shown);
        Assert.Contains("Range: bytes=10-", shown);
    }

    [Fact]
    public void Storage_secrets_in_headers_are_never_shown()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:10000/devstoreaccount1/c/b");
        request.Headers.TryAddWithoutValidation("Authorization", "SharedKey devstoreaccount1:sharedkey-canary");
        request.Headers.Add("x-ms-copy-source-authorization", "Bearer copy-token-canary");
        request.Headers.Add("x-ms-encryption-key", "encryption-key-canary");
        request.Headers.Add("x-ms-lease-id", "lease-canary");
        string shown = LogRedactor.Headers(request.Headers);
        Assert.DoesNotContain("canary", shown);
        Assert.DoesNotContain("SharedKey", shown);
        Assert.DoesNotContain("x-ms-copy-source-authorization", shown);
        Assert.DoesNotContain("x-ms-encryption-key", shown);
        Assert.Contains("x-ms-lease-id: ***", shown);
    }

    [Fact]
    public void Json_bodies_are_truncated_and_others_not_shown()
    {
        var big = "{\"a\":\"" + new string('x', 10000) + "\"}";
        string shown = LogRedactor.Body(new ArraySegment<byte>(System.Text.Encoding.UTF8.GetBytes(big)), "application/json");
        Assert.True(shown.Length < LogRedactor.MaxBodyChars + 50);
        Assert.Contains("10008 bytes", shown);
        string html = LogRedactor.Body(new ArraySegment<byte>("<html>secret</html>"u8.ToArray()), "text/html");
        Assert.DoesNotContain("secret", html);
    }
}
