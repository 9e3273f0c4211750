using System.Net;
using System.Security;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Logging;
using Veo31.Core.Resilience;
using Xunit;

namespace Veo31.Core.Tests;

public class EnvironmentProxyTests
{
    private static EnvironmentProxy? From(params (string Name, string Value)[] vars)
        => EnvironmentProxy.FromVariables(name => vars.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void No_variables_means_no_proxy_of_ours()
        => Assert.Null(From());

    [Fact]
    public void Https_and_http_proxies_are_chosen_by_scheme_and_lower_case_works()
    {
        var proxy = From(("HTTPS_PROXY", "http://secure:3128"), ("http_proxy", "plain:8080"))!;
        Assert.Equal(new Uri("http://secure:3128"), proxy.GetProxy(new Uri("https://veo3o1.com/api")));
        Assert.Equal(new Uri("http://plain:8080"), proxy.GetProxy(new Uri("http://127.0.0.1:5000/api")));
    }

    [Fact]
    public void Loopback_is_not_bypassed_unless_no_proxy_says_so()
    {
        var proxy = From(("HTTP_PROXY", "http://127.0.0.1:9999"))!;
        Assert.False(proxy.IsBypassed(new Uri("http://127.0.0.1:5000/api")));
        var withNoProxy = From(("HTTP_PROXY", "http://127.0.0.1:9999"), ("NO_PROXY", "localhost,127.0.0.1"))!;
        Assert.True(withNoProxy.IsBypassed(new Uri("http://127.0.0.1:5000/api")));
    }

    [Theory]
    [InlineData("example.com", "https://example.com/x", true)]
    [InlineData("example.com", "https://api.example.com/x", true)]
    [InlineData(".example.com", "https://api.example.com/x", true)]
    [InlineData("*.example.com", "https://api.example.com/x", true)]
    [InlineData("example.com", "https://notexample.com/x", false)]
    [InlineData("*", "https://anything.org/x", true)]
    [InlineData("other.org, example.com", "https://example.com/x", true)]
    [InlineData("example.com:8443", "https://example.com:8443/x", true)]
    public void No_proxy_matches_hosts_and_suffixes(string noProxy, string url, bool bypassed)
    {
        var proxy = From(("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", noProxy))!;
        Assert.Equal(bypassed, proxy.IsBypassed(new Uri(url)));
        Assert.Equal(bypassed, proxy.GetProxy(new Uri(url)) == null);
    }

    [Fact]
    public void Proxy_credentials_come_from_user_info()
    {
        var proxy = From(("HTTPS_PROXY", "http://me:s%40cret@p:1"))!;
        var credential = proxy.Credentials!.GetCredential(new Uri("http://p:1"), "Basic");
        Assert.Equal("me", credential!.UserName);
        Assert.Equal("s@cret", credential.Password);
    }
}

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

public class RetryBudgetTests
{
    [Fact]
    public void Budget_stops_retries_when_everything_fails()
    {
        var budget = new RetryBudget(depositPerCall: 0.2, capacity: 10, refillPerSecond: 0);
        int retries = 0;
        for (int call = 0; call < 1000; call++)
        {
            budget.RecordCall();
            for (int r = 0; r < 3 && budget.TryWithdrawRetry(); r++) retries++;
        }
        // 1000 calls may add about 20% retries plus the initial floor, never 3000.
        Assert.InRange(retries, 190, 215);
    }

    [Fact]
    public async Task Polly_waits_what_the_server_asks_capped_and_its_own_jittered_backoff_otherwise()
    {
        var options = new VeoClientOptions
        {
            MaxRetryCount = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromMilliseconds(300),
            MaxRetryAfter = TimeSpan.FromMilliseconds(250),
        };
        var pipeline = RetryPipelineFactory.Create(options, new RetryBudget());
        var gaps = new List<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double last = 0;
        int calls = 0;
        await pipeline.ExecuteAsync(_ =>
        {
            double now = clock.Elapsed.TotalMilliseconds;
            if (calls > 0) gaps.Add(now - last);
            last = now;
            switch (calls++)
            {
                case 0: throw new VeoException(VeoErrorKind.RateLimited, "slow down") { IsTransient = true, RetryAfter = TimeSpan.FromHours(1) };
                case 1: throw new VeoException(VeoErrorKind.ServerError, "blip") { IsTransient = true };
                default: return ValueTask.CompletedTask;
            }
        });
        Assert.Equal(3, calls);
        Assert.InRange(gaps[0], 240, 1500);   // Retry-After of an hour, capped at 250 ms
        Assert.InRange(gaps[1], 0, 1300);     // Polly's exponential backoff with jitter, capped at 300 ms
    }
}

public class ClientConstructionTests
{
    internal static SecureString Key(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        return s;
    }

    [Theory]
    [InlineData("http://veo3o1.com/api")]
    [InlineData("http://10.0.0.5:8080/api")]
    [InlineData("ftp://127.0.0.1/api")]
    [InlineData("file:///etc/passwd")]
    public void Plain_http_is_refused_except_on_loopback(string uri)
    {
        var ex = Assert.Throws<VeoException>(() => new VeoClient(new VeoClientOptions { BaseUri = new Uri(uri) }, Key("k")));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/api")]
    [InlineData("http://localhost:5000/api")]
    [InlineData("http://[::1]:5000/api")]
    [InlineData("https://veo3o1.com/api")]
    public void Https_and_loopback_http_are_accepted(string uri)
    {
        using var client = new VeoClient(new VeoClientOptions { BaseUri = new Uri(uri) }, Key("k"));
        Assert.EndsWith("/api/", client.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void The_key_is_copied_so_the_caller_may_dispose_theirs()
    {
        var key = Key("sk-canary");
        using var client = new VeoClient(new VeoClientOptions { BaseUri = new Uri("http://127.0.0.1:1/api") }, key);
        key.Dispose();
        Assert.DoesNotContain("sk-canary", client.ToString());
    }
}
