using Veo31.Core.Models;
using Veo31.Core.Text;

namespace Veo31.PowerShell
{
    /// <summary>The local file an image was uploaded from; it travels with the video made from it (New-VeoVideo -ImageSource,
    /// the job journal, Save-VeoVideo's {ImageName} and provenance file).</summary>
    public sealed class VeoImageSource
    {
        internal VeoImageSource(string path, string name, string sha256, long length)
        {
            Path = path;
            Name = name;
            Sha256 = sha256;
            Length = length;
        }

        /// <summary>Full path of the file when it was uploaded.</summary>
        public string Path { get; }
        /// <summary>File name with extension.</summary>
        public string Name { get; }
        /// <summary>Lower-case hex SHA-256 of the bytes that were uploaded.</summary>
        public string Sha256 { get; }
        public long Length { get; }

        public override string ToString() => Name;

        internal SourceImageInfo ToCore() => new SourceImageInfo { Path = Path, Name = Name, Sha256 = Sha256, Length = Length };

        internal static VeoImageSource? FromCore(SourceImageInfo? source) =>
            source == null ? null : new VeoImageSource(source.Path, source.Name, source.Sha256, source.Length);

        /// <summary>From the journal, a file anyone may have edited: shown through ServerText like its other text.</summary>
        internal static VeoImageSource? FromJournal(SourceImageInfo? source) =>
            source == null ? null : new VeoImageSource(ServerText.Field(source.Path) ?? "", ServerText.Field(source.Name) ?? "",
                ServerText.Field(source.Sha256) ?? "", source.Length);
    }
}
