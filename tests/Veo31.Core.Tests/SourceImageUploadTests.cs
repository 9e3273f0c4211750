using System.Security.Cryptography;
using Veo31.Core.Errors;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>An upload records the file it came from and the SHA-256 of the bytes it actually sent.</summary>
public class SourceImageUploadTests
{
    private static string SamplePng => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sample.png");

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A real PNG padded after IEND to several upload chunks, so the file can change while it streams.</summary>
    private static string PaddedPng(string folder, int length)
    {
        byte[] png = File.ReadAllBytes(SamplePng);
        var bytes = new byte[length];
        png.CopyTo(bytes, 0);
        for (int i = png.Length; i < length; i++) bytes[i] = (byte)(i % 251);
        string path = Path.Combine(folder, "padded.png");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task The_source_is_the_file_uploaded_with_the_hash_the_server_received()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string path = Path.Combine(h.TempDir, "beach.png");
        File.Copy(SamplePng, path);

        UploadedImageInfo image = await h.Client.UploadImageAsync(path, null, CancellationToken.None);

        SourceImageInfo source = image.Source!;
        Assert.Equal(Path.GetFullPath(path), source.Path);
        Assert.Equal("beach.png", source.Name);
        Assert.Equal(new FileInfo(path).Length, source.Length);
        Assert.Equal(Sha256(File.ReadAllBytes(path)), source.Sha256);
        Assert.Equal(new[] { source.Sha256 }, h.Server.GetStats().UploadSha256s);
    }

    [Fact]
    public async Task A_file_that_changes_while_it_uploads_records_the_hash_of_what_was_sent()
    {
        await using var h = await EmulatorHarness.StartAsync();
        const int length = 400_000; // five upload chunks
        string path = PaddedPng(h.TempDir, length);
        byte[] original = File.ReadAllBytes(path);
        var rewriter = new RewritingProgress(path, length);

        UploadedImageInfo image = await h.Client.UploadImageAsync(path, rewriter, CancellationToken.None);

        string received = Assert.Single(h.Server.GetStats().UploadSha256s);
        Assert.True(rewriter.Changed && rewriter.Restored, "the file was changed after the first chunk and restored after the last");
        Assert.Equal(received, image.Source!.Sha256);
        // Neither what was checked before the upload nor what is on disk after it: a hash read at either time would lie.
        Assert.NotEqual(Sha256(original), received);
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_retried_upload_records_the_hash_of_the_attempt_the_server_accepted()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Fault("upload-video-image", "error5000", count: 1);
        string path = PaddedPng(h.TempDir, 200_000);

        UploadedImageInfo image = await h.Client.UploadImageAsync(path, null, CancellationToken.None);

        Assert.Equal(2, h.Requests("upload-video-image"));
        Assert.Equal(Assert.Single(h.Server.GetStats().UploadSha256s), image.Source!.Sha256);
        Assert.Equal(Sha256(File.ReadAllBytes(path)), image.Source.Sha256);
    }

    /// <summary>
    /// Reports arrive synchronously from the upload loop: after the first chunk it overwrites bytes not sent yet, after the
    /// last it writes the original bytes back.
    /// </summary>
    private sealed class RewritingProgress(string path, long length) : IProgress<TransferProgress>
    {
        private const long ChangeAt = 300_000;
        private byte[]? _saved;

        public bool Changed { get; private set; }
        public bool Restored { get; private set; }

        public void Report(TransferProgress value)
        {
            if (!Changed && value.BytesTransferred > 0 && value.BytesTransferred < ChangeAt)
            {
                _saved = Write(ChangeAt, new byte[1000]);
                Changed = true;
            }
            else if (Changed && !Restored && value.BytesTransferred == length)
            {
                Write(ChangeAt, _saved!);
                Restored = true;
            }
        }

        private byte[] Write(long at, byte[] bytes)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            var before = new byte[bytes.Length];
            file.Position = at;
            file.ReadExactly(before);
            file.Position = at;
            file.Write(bytes);
            return before;
        }
    }
}
