using System;
using System.Net;
using System.Net.Http;
using System.Reflection;

namespace Veo31.Core.Http
{
    /// <summary>
    /// SocketsHttpHandler where the runtime has it (reached by reflection: netstandard2.0 does not declare it), so
    /// connections are recycled and DNS changes seen; HttpClientHandler on .NET Framework. Redirects and decompression are
    /// never automatic: ContentCodings decides per request what is accepted (gzip for JSON, identity for the video).
    /// </summary>
    internal static class HttpHandlerFactory
    {
        internal static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);
        internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

        public static HttpMessageHandler Create(VeoClientOptions options)
        {
            TlsProtocols.EnsureModernProtocols();
            IWebProxy? proxy = options.Proxy ?? EnvironmentProxy.FromEnvironment();
            return TryCreateSocketsHandler(options, proxy) ?? CreateClientHandler(options, proxy);
        }

        private static HttpMessageHandler? TryCreateSocketsHandler(VeoClientOptions options, IWebProxy? proxy)
        {
            Type? type = Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: false);
            if (type == null) return null;
            PropertyInfo? isSupported = type.GetProperty("IsSupported", BindingFlags.Public | BindingFlags.Static);
            if (isSupported != null && isSupported.GetValue(null) is bool supported && !supported) return null;

            var handler = (HttpMessageHandler)Activator.CreateInstance(type)!;
            Set(handler, "PooledConnectionLifetime", PooledConnectionLifetime);
            Set(handler, "PooledConnectionIdleTimeout", TimeSpan.FromMinutes(1));
            Set(handler, "ConnectTimeout", ConnectTimeout);
            Set(handler, "MaxConnectionsPerServer", Math.Max(1, options.MaxConnectionsPerServer));
            Set(handler, "AllowAutoRedirect", false);
            Set(handler, "AutomaticDecompression", DecompressionMethods.None);
            if (proxy != null)
            {
                Set(handler, "Proxy", proxy);
                Set(handler, "UseProxy", true);
            }
            return handler;
        }

        private static HttpMessageHandler CreateClientHandler(VeoClientOptions options, IWebProxy? proxy)
        {
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
            };
            try
            {
                handler.MaxConnectionsPerServer = Math.Max(1, options.MaxConnectionsPerServer);
            }
            catch (PlatformNotSupportedException)
            {
                // Older .NET Framework builds: ServicePointManager's limit applies instead.
            }
            if (proxy != null)
            {
                handler.Proxy = proxy;
                handler.UseProxy = true;
            }
            return handler;
        }

        private static void Set(object target, string property, object value)
        {
            PropertyInfo? p = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            if (p != null && p.CanWrite) p.SetValue(target, value);
        }
    }
}
