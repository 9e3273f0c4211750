using Veo31.Core.Download;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>A sink in memory that can be told to fail a write, and counts what the downloader asked of it.</summary>
internal sealed class RecordingSink : IVideoSink
{
    private readonly MemoryStream _bytes = new();
    /// <summary>Given the bytes kept so far; a non-null exception is thrown instead of writing.</summary>
    public Func<long, Exception?> FailWrite { get; init; } = _ => null;
    /// <summary>Called after each write (to cancel mid-transfer, say).</summary>
    public Action OnWrite { get; init; } = () => { };
    public int Opened, Restarts, Completed, Abandoned, Writes;
    public string Location => "memory://video.mp4";
    public byte[] Bytes => _bytes.ToArray();

    public Task OpenAsync(CancellationToken cancellationToken)
    {
        Opened++;
        return Task.CompletedTask;
    }

    public Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Assert.Equal(0, Completed);
        Exception? failure = FailWrite(_bytes.Length);
        if (failure != null) throw failure;
        Writes++;
        _bytes.Write(buffer, offset, count);
        OnWrite();
        return Task.CompletedTask;
    }

    public void Restart()
    {
        Restarts++;
        _bytes.SetLength(0);
    }

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        Completed++;
        return Task.CompletedTask;
    }

    public void Abandon() => Abandoned++;
}
