using System;

namespace Veo31.PowerShell
{
    /// <summary>A video Save-VeoVideo streamed into a blob container: where it is (never with a SAS) and what it holds.</summary>
    public sealed class VeoSavedBlob
    {
        public string Uuid { get; internal set; } = "";
        /// <summary>The blob's URL, without any SAS.</summary>
        public Uri Uri { get; internal set; } = null!;
        public string Container { get; internal set; } = "";
        /// <summary>The blob's name in its container (with the prefix).</summary>
        public string Name { get; internal set; } = "";
        public long Length { get; internal set; }
        /// <summary>Lower-case hex SHA-256 of the video, computed while it streamed.</summary>
        public string Sha256 { get; internal set; } = "";
        /// <summary>The provenance blob ('&lt;name&gt;.json') with -Provenance, else null.</summary>
        public Uri? ProvenanceUri { get; internal set; }

        public override string ToString() => Uri.ToString();
    }
}
