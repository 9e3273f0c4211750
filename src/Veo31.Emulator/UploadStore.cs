using System.Collections.Concurrent;

namespace Veo31.Emulator;

internal sealed record StoredImage(string Key, string FilePath, ImageFormat Format, long Length);

/// <summary>Uploaded images, kept as files in a private temp folder that is deleted on dispose.</summary>
internal sealed class UploadStore : IDisposable
{
    private readonly ConcurrentDictionary<string, StoredImage> _images = new(StringComparer.Ordinal);

    public UploadStore()
    {
        Folder = Path.Combine(Path.GetTempPath(), "veo31-emulator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string NewTempPath() => Path.Combine(Folder, "incoming-" + Guid.NewGuid().ToString("N"));

    /// <summary>Moves a fully received temp file into the store under a new key.</summary>
    public StoredImage Add(string tempPath, ImageFormat format, long length)
    {
        var key = "img-" + Guid.NewGuid().ToString("N") + format.Extension;
        var finalPath = Path.Combine(Folder, key);
        File.Move(tempPath, finalPath);
        var image = new StoredImage(key, finalPath, format, length);
        _images[key] = image;
        return image;
    }

    public StoredImage? Find(string key) => _images.TryGetValue(key, out var image) ? image : null;

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
