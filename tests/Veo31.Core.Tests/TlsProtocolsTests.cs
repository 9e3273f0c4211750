using System.Net;
using Veo31.Core.Http;
using Xunit;

namespace Veo31.Core.Tests;

public class TlsProtocolsTests
{
    private const SecurityProtocolType Tls13 = (SecurityProtocolType)12288;

#pragma warning disable CS0618, SYSLIB0039 // Ssl3, Tls and Tls11 are obsolete, but they are what Windows PowerShell 5.1 starts with.
    [Fact]
    public void Tls12_is_added_to_the_windows_powershell_default_and_nothing_is_removed()
    {
        var legacy = SecurityProtocolType.Ssl3 | SecurityProtocolType.Tls;
        Assert.Equal(legacy | SecurityProtocolType.Tls12, TlsProtocols.WithModernProtocols(legacy, tls13: null));
    }

    [Fact]
    public void Every_flag_the_user_enabled_stays_and_tls13_is_added_when_supported()
    {
        var user = SecurityProtocolType.Tls | SecurityProtocolType.Tls11;
        var next = TlsProtocols.WithModernProtocols(user, Tls13);
        Assert.Equal(user | SecurityProtocolType.Tls12 | Tls13, next);
        Assert.Equal(user, next & user);
    }
#pragma warning restore CS0618, SYSLIB0039

    [Fact]
    public void Already_modern_values_are_unchanged()
    {
        Assert.Equal(SecurityProtocolType.Tls12, TlsProtocols.WithModernProtocols(SecurityProtocolType.Tls12, null));
        Assert.Equal(SecurityProtocolType.Tls12 | Tls13, TlsProtocols.WithModernProtocols(SecurityProtocolType.Tls12 | Tls13, Tls13));
    }

    [Fact]
    public void System_default_is_left_to_the_os()
    {
        // 0 means "the OS decides" (it includes TLS 1.2, and TLS 1.3 where the OS has it); OR-ing would pin a fixed list.
        Assert.Equal((SecurityProtocolType)0, TlsProtocols.WithModernProtocols((SecurityProtocolType)0, Tls13));
    }

    [Theory]
    [InlineData(".NET Framework 4.8.9181.0", true)]
    [InlineData(".NET 10.0.0", false)]
    [InlineData(".NET Core 3.1.32", false)]
    [InlineData(null, false)]
    public void Only_dotnet_framework_is_touched(string? description, bool expected)
        => Assert.Equal(expected, TlsProtocols.IsNetFramework(description));

    [Fact]
    public void Tls13_is_only_asked_for_on_windows_builds_that_support_it()
    {
        Assert.Null(TlsProtocols.Tls13Flag(new OperatingSystem(PlatformID.Win32NT, new Version(10, 0, 17763))));
        Assert.Null(TlsProtocols.Tls13Flag(new OperatingSystem(PlatformID.Unix, new Version(10, 0, 22000))));
        Assert.Equal(Tls13, TlsProtocols.Tls13Flag(new OperatingSystem(PlatformID.Win32NT, new Version(10, 0, 20348))));
    }

#pragma warning disable SYSLIB0014 // ServicePointManager is what .NET Framework's HttpClientHandler reads.
    [Fact]
    public void Outside_dotnet_framework_the_process_setting_is_not_changed()
    {
        var before = ServicePointManager.SecurityProtocol;
        TlsProtocols.EnsureModernProtocols();
        Assert.Equal(before, ServicePointManager.SecurityProtocol);
    }
#pragma warning restore SYSLIB0014
}
