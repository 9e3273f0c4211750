using Veo31.Core.Http;
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
