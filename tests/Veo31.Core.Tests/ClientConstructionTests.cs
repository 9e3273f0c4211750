using Veo31.Core.Errors;
using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

public class ClientConstructionTests
{
    [Theory]
    [InlineData("http://veo3o1.com/api")]
    [InlineData("http://10.0.0.5:8080/api")]
    [InlineData("ftp://127.0.0.1/api")]
    [InlineData("file:///etc/passwd")]
    public void Plain_http_is_refused_except_on_loopback(string uri)
    {
        var ex = Assert.Throws<VeoException>(() => new VeoClient(new VeoClientOptions { BaseUri = new Uri(uri) }, EmulatorHarness.Secure("k")));
        Assert.Equal(VeoErrorKind.UnsafeUrl, ex.Kind);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/api")]
    [InlineData("http://localhost:5000/api")]
    [InlineData("http://[::1]:5000/api")]
    [InlineData("https://veo3o1.com/api")]
    public void Https_and_loopback_http_are_accepted(string uri)
    {
        using var client = new VeoClient(new VeoClientOptions { BaseUri = new Uri(uri) }, EmulatorHarness.Secure("k"));
        Assert.EndsWith("/api/", client.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void The_key_is_copied_so_the_caller_may_dispose_theirs()
    {
        var key = EmulatorHarness.Secure("sk-canary");
        using var client = new VeoClient(new VeoClientOptions { BaseUri = new Uri("http://127.0.0.1:1/api") }, key);
        key.Dispose();
        Assert.DoesNotContain("sk-canary", client.ToString());
    }
}
