namespace Veo31.Core.Models
{
    public readonly struct TransferProgress
    {
        public TransferProgress(long bytesTransferred, long? totalBytes)
        {
            BytesTransferred = bytesTransferred;
            TotalBytes = totalBytes;
        }

        public long BytesTransferred { get; }
        public long? TotalBytes { get; }
    }
}
