using System;
using System.Net.Http;
using System.Net.Sockets;
using System.Reflection;

namespace Veo31.Core.Http
{
    /// <summary>
    /// Tells a connection that never opened (the server cannot have seen the request) from every other failure.
    /// When in doubt it answers false: a generation is then reported as outcome unknown rather than retried.
    /// </summary>
    internal static class ConnectFailureDetector
    {
        // HttpRequestException.HttpRequestError exists from .NET 8; netstandard2.0 reaches it by reflection.
        private static readonly PropertyInfo? HttpRequestErrorProperty =
            typeof(HttpRequestException).GetProperty("HttpRequestError", BindingFlags.Public | BindingFlags.Instance);

        public static bool ConnectionNeverOpened(Exception exception)
        {
            if (exception is HttpRequestException hre && HttpRequestErrorProperty != null)
            {
                string? error = HttpRequestErrorProperty.GetValue(hre)?.ToString();
                if (error == "ConnectionError" || error == "NameResolutionError") return HasConnectLevelSocketError(hre) || error == "NameResolutionError";
                if (error != null && error != "Unknown") return false;
            }
            return HasConnectLevelSocketError(exception);
        }

        private static bool HasConnectLevelSocketError(Exception exception)
        {
            for (Exception? e = exception; e != null; e = e.InnerException)
            {
                if (e is SocketException se)
                {
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.NoData:
                        case SocketError.TryAgain:
                        case SocketError.AddressNotAvailable:
                            return true;
                        default:
                            return false;
                    }
                }
            }
            return false;
        }
    }
}
