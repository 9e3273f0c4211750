using System;
using System.Collections.Generic;
using System.Net;

namespace Veo31.Core.Http
{
    /// <summary>
    /// HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case), read by us so every runtime behaves alike. Loopback is not
    /// bypassed unless NO_PROXY says so, which lets a test put a recording proxy in front of a local emulator.
    /// </summary>
    internal sealed class EnvironmentProxy : IWebProxy
    {
        private readonly Uri? _httpProxy;
        private readonly Uri? _httpsProxy;
        private readonly List<string> _noProxy;
        private readonly bool _bypassAll;

        private EnvironmentProxy(Uri? httpProxy, Uri? httpsProxy, string? noProxy)
        {
            _httpProxy = httpProxy;
            _httpsProxy = httpsProxy;
            _noProxy = new List<string>();
            foreach (string part in (noProxy ?? "").Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string entry = part.Trim().ToLowerInvariant();
                if (entry == "*") _bypassAll = true;
                else if (entry.Length > 0) _noProxy.Add(entry);
            }
            Credentials = CredentialsFrom(_httpsProxy) ?? CredentialsFrom(_httpProxy);
        }

        public ICredentials? Credentials { get; set; }

        /// <summary>The proxy the environment names, or null when it names none.</summary>
        public static EnvironmentProxy? FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

        internal static EnvironmentProxy? FromVariables(Func<string, string?> lookup)
        {
            string? Read(string name) => NonEmpty(lookup(name)) ?? NonEmpty(lookup(name.ToLowerInvariant()));
            Uri? http = ParseProxy(Read("HTTP_PROXY"));
            Uri? https = ParseProxy(Read("HTTPS_PROXY"));
            if (http == null && https == null) return null;
            return new EnvironmentProxy(http, https, Read("NO_PROXY"));
        }

        public Uri? GetProxy(Uri destination)
        {
            if (IsBypassed(destination)) return null;
            return UrlRules.IsHttps(destination) ? _httpsProxy : _httpProxy;
        }

        public bool IsBypassed(Uri host)
        {
            Uri? proxy = UrlRules.IsHttps(host) ? _httpsProxy : _httpProxy;
            if (proxy == null || _bypassAll) return true;
            string name = host.IdnHost.Trim('[', ']').ToLowerInvariant();
            string nameWithPort = name + ":" + host.Port;
            foreach (string entry in _noProxy)
            {
                string e = entry.Trim('[', ']');
                if (e == name || e == nameWithPort) return true;
                string suffix = e.StartsWith("*.", StringComparison.Ordinal) ? e.Substring(1) : e.StartsWith(".", StringComparison.Ordinal) ? e : "." + e;
                if (name.EndsWith(suffix, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s!.Trim();

        private static Uri? ParseProxy(string? value)
        {
            if (value == null) return null;
            string text = value.Contains("://") ? value : "http://" + value;
            return Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (UrlRules.IsHttp(uri) || UrlRules.IsHttps(uri)) ? uri : null;
        }

        private static ICredentials? CredentialsFrom(Uri? proxy)
        {
            if (proxy == null || string.IsNullOrEmpty(proxy.UserInfo)) return null;
            string[] parts = proxy.UserInfo.Split(new[] { ':' }, 2);
            return new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        }
    }
}
