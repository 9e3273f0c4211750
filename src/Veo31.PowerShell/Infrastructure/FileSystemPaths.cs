using System;
using System.Management.Automation;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>The one resolution of a path the module will create (a save destination, a journal file).</summary>
    internal static class FileSystemPaths
    {
        /// <summary>
        /// The file system path of a PowerShell path that may not exist yet, relative to the PowerShell location.
        /// A missing drive or an invalid path is PathNotFound; another provider's drive (env:, variable:, HKLM:) is
        /// NotAFileSystemPath, never a file of that name made somewhere else.
        /// </summary>
        public static string ResolveNew(PathIntrinsics paths, string path, string what)
        {
            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = paths.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
            }
            catch (Exception ex) when (ex is SessionStateException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw new VeoRecordException(VeoErrorRecords.PathNotFoundRecord(path, ex));
            }
            if (provider.Name != "FileSystem") throw new VeoRecordException(VeoErrorRecords.NotAFileSystemPathRecord(path, what));
            return resolved;
        }
    }
}
