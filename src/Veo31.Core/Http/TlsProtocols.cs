using System;
using System.Net;
using System.Runtime.InteropServices;

namespace Veo31.Core.Http
{
    /// <summary>
    /// Windows PowerShell 5.1 runs on .NET Framework, whose HttpClientHandler follows ServicePointManager.SecurityProtocol;
    /// in powershell.exe that is often Ssl3|Tls (no TLS 1.2), which the API's HTTPS endpoint refuses. We add TLS 1.2 (and
    /// TLS 1.3 where Windows supports it) to whatever the user or the host enabled, never taking any protocol away.
    /// .NET (Core) ignores ServicePointManager for HttpClient and negotiates with the OS, so it is left alone there.
    /// </summary>
    internal static class TlsProtocols
    {
        private const int SystemDefault = 0;

        // Windows Server 2022 (20348) and Windows 11 (22000) are the first with TLS 1.3 in SChannel as a supported feature;
        // asking older builds for it explicitly can break the handshake, so we only add it from there on.
        private const int FirstTls13WindowsBuild = 20348;

        /// <summary>Adds TLS 1.2 (and 1.3 where supported) to ServicePointManager.SecurityProtocol on .NET Framework only.</summary>
        public static void EnsureModernProtocols()
        {
            if (!IsNetFramework(RuntimeInformation.FrameworkDescription)) return;
            try
            {
                SecurityProtocolType current = ServicePointManager.SecurityProtocol;
                SecurityProtocolType next = WithModernProtocols(current, Tls13Flag(Environment.OSVersion));
                if (next != current) ServicePointManager.SecurityProtocol = next;
            }
            catch (NotSupportedException)
            {
                // A protocol the machine's policy forbids: keep what is there rather than fail to connect at all.
            }
        }

        internal static bool IsNetFramework(string? frameworkDescription) =>
            frameworkDescription != null && frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// The protocols to use: <paramref name="current"/> with TLS 1.2 (and <paramref name="tls13"/> when given) added.
        /// SystemDefault (0) is kept as is: the OS then chooses, which already includes TLS 1.2 and, unlike a fixed
        /// list, TLS 1.3 where the OS has it. Every flag already set stays set.
        /// </summary>
        internal static SecurityProtocolType WithModernProtocols(SecurityProtocolType current, SecurityProtocolType? tls13)
        {
            if ((int)current == SystemDefault) return current;
            SecurityProtocolType next = current | SecurityProtocolType.Tls12;
            if (tls13 is SecurityProtocolType flag) next |= flag;
            return next;
        }

        /// <summary>The runtime's Tls13 value (the enum has it from .NET Framework 4.8) on a Windows build that supports it; else null.</summary>
        internal static SecurityProtocolType? Tls13Flag(OperatingSystem os)
        {
            if (os.Platform != PlatformID.Win32NT || os.Version.Build < FirstTls13WindowsBuild || os.Version.Major < 10) return null;
            return Enum.TryParse("Tls13", ignoreCase: false, out SecurityProtocolType tls13) ? tls13 : (SecurityProtocolType?)null;
        }
    }
}
