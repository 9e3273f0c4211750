using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Veo31.Core.Errors;

namespace Veo31.Core.Download
{
    /// <summary>A video file: written to a temporary name beside the destination and renamed into place when complete.</summary>
    internal sealed class FileVideoSink : IVideoSink
    {
        private readonly string _destinationFile;
        private readonly bool _overwrite;
        private string? _destination;
        private string? _partial;
        private FileStream? _file;

        public FileVideoSink(string destinationFile, bool overwrite)
        {
            _destinationFile = destinationFile;
            _overwrite = overwrite;
        }

        public string Location => _destination ?? _destinationFile;

        public Task OpenAsync(CancellationToken cancellationToken)
        {
            _destination = ResolveDestination(_destinationFile, _overwrite);
            _partial = _destination + ".partial-" + RandomSuffix();
            // Stryker disable once Boolean : asynchronous or synchronous file I/O writes the same bytes
            _file = new FileStream(_partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, VideoDownloader.BufferSize, useAsync: true);
            return Task.CompletedTask;
        }

        public Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Open.WriteAsync(buffer, offset, count, cancellationToken);

        public void Restart()
        {
            Open.SetLength(0);
            Open.Position = 0;
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            // Stryker disable once Statement : disposing the stream just below flushes it anyway
            await Open.FlushAsync(cancellationToken).ConfigureAwait(false);
            _file!.Dispose();
            _file = null;
            MoveIntoPlace(_partial!, _destination!, _overwrite);
        }

        public void Abandon()
        {
            // Stryker disable once Statement : untestable here, not equivalent: on Linux, where the suite runs, an open file is deleted all the same (only Windows refuses)
            _file?.Dispose();
            _file = null;
            if (_partial != null) TryDelete(_partial);
        }

        // Stryker disable once String : message wording
        private FileStream Open => _file ?? throw new InvalidOperationException("The video file is not open.");

        private static string ResolveDestination(string destinationFile, bool overwrite)
        {
            if (string.IsNullOrWhiteSpace(destinationFile))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "A destination file is required.");
            string full;
            try
            {
                full = Path.GetFullPath(destinationFile);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is System.Security.SecurityException)
            {
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "The destination '" + destinationFile + "' is not a valid path.", ex);
            }
            if (Directory.Exists(full))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "The destination '" + full + "' is a folder; give a file name.");
            if (!overwrite && File.Exists(full))
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.FileExists, "The file '" + full + "' already exists; use overwrite (-Force) to replace it.");
            string? directory = Path.GetDirectoryName(full);
            try
            {
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.UnsafePath, "The folder '" + directory + "' cannot be created: " + ex.Message, ex);
            }
            return full;
        }

        private static void MoveIntoPlace(string partial, string destination, bool overwrite)
        {
            try
            {
                AtomicFileMove.Move(partial, destination, overwrite);
            }
            catch (IOException ex) when (!overwrite && File.Exists(destination))
            {
                // Stryker disable once String : message wording
                throw new VeoException(VeoErrorKind.FileExists, "The file '" + destination + "' appeared while the video was downloading; it was not replaced.", ex);
            }
        }

        private static string RandomSuffix()
        {
            var bytes = new byte[4];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception) { /* best effort: the partial is named so it is recognisable */ }
        }
    }
}
