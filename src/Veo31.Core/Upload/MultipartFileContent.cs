using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;

namespace Veo31.Core.Upload
{
    /// <summary>
    /// A multipart/form-data body with one file part, byte for byte what <c>curl -F field=@file</c> sends (the provider's
    /// own example): an unquoted curl-style boundary, <c>Content-Disposition: form-data; name="field"; filename="name"</c>
    /// with no <c>filename*</c> (RFC 7578 section 4.2 forbids it), the name as raw UTF-8 inside the quotes, and quote, CR
    /// and LF escaped as %22, %0D and %0A as browsers and curl do. .NET's MultipartFormDataContent sends unquoted values, a
    /// filename* parameter and a quoted boundary, which strict parsers refuse.
    /// </summary>
    internal sealed class MultipartFileContent : HttpContent
    {
        private readonly HttpContent _file;
        private readonly byte[] _head;
        private readonly byte[] _tail;

        public MultipartFileContent(string fieldName, string fileName, HttpContent file, string? boundary = null)
        {
            _file = file;
            Boundary = boundary ?? NewBoundary();
            string partType = file.Headers.ContentType?.ToString() ?? "application/octet-stream";
            _head = Encoding.UTF8.GetBytes("--" + Boundary + "\r\n" +
                                           "Content-Disposition: form-data; name=\"" + EscapeQuoted(fieldName) + "\"; filename=\"" + EscapeQuoted(fileName) + "\"\r\n" +
                                           "Content-Type: " + partType + "\r\n" +
                                           "\r\n");
            _tail = Encoding.ASCII.GetBytes("\r\n--" + Boundary + "--\r\n");
            var type = new MediaTypeHeaderValue("multipart/form-data");
            type.Parameters.Add(new NameValueHeaderValue("boundary", Boundary));
            Headers.ContentType = type;
        }

        public string Boundary { get; }

        /// <summary>A value inside a quoted Content-Disposition parameter, escaped as the HTML form encoding (and curl) does.</summary>
        internal static string EscapeQuoted(string value)
            => value.Replace("\"", "%22").Replace("\r", "%0D").Replace("\n", "%0A");

        /// <summary>curl's boundary: 24 dashes and 16 random hex digits (a token, so it needs no quotes).</summary>
        private static string NewBoundary()
        {
            var bytes = new byte[8];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return new string('-', 24) + BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_head, 0, _head.Length).ConfigureAwait(false);
            await _file.CopyToAsync(stream).ConfigureAwait(false);
            await stream.WriteAsync(_tail, 0, _tail.Length).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            long? file = _file.Headers.ContentLength;
            length = _head.Length + (file ?? 0) + _tail.Length;
            return file.HasValue;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _file.Dispose();
            base.Dispose(disposing);
        }
    }
}
