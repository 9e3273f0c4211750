using System.Security.Cryptography;
using System.Text;
using Veo31.Core.Models;

namespace Veo31.Core.Http
{
    internal static class RequestFingerprint
    {
        /// <summary>First 16 hex digits of SHA-256 over the canonical request (the fields that make two generations identical).</summary>
        public static string Of(GenerateVideoRequest request)
        {
            string canonical = string.Join("\n",
                request.GenerationType, request.Prompt ?? "", request.AspectRatio ?? "auto", request.ImageUrl ?? "", request.ImageKey ?? "");
            using var sha = SHA256.Create();
            byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(canonical));
            var sb = new StringBuilder(16);
            for (int i = 0; i < 8; i++) sb.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }
}
