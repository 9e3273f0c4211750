using System;
using System.Management.Automation;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>Where a literal image path given to a cmdlet points: resolved against the PowerShell location, a file system file.</summary>
    internal static class LocalImageFiles
    {
        /// <summary>The full path of the file, or null with the record of why there is none (missing, a folder, another provider).</summary>
        public static string? ResolveLiteral(SessionState sessionState, string path, out ErrorRecord? error)
        {
            error = null;
            try
            {
                string resolved = sessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
                if (!IsFileSystem(provider)) error = VeoErrorRecords.NotAFileSystemPathRecord(path, "The path");
                else if (System.IO.File.Exists(resolved)) return resolved;
                else error = VeoErrorRecords.PathNotFoundRecord(path);
            }
            catch (Exception ex) when (IsBadPath(ex))
            {
                error = VeoErrorRecords.PathNotFoundRecord(path, ex);
            }
            return null;
        }

        public static bool IsFileSystem(ProviderInfo provider) => provider.Name == "FileSystem";

        // SessionStateException covers an item, drive or provider that does not exist ('Q:\x.png', 'nosuchdrive:\x.png').
        public static bool IsBadPath(Exception ex)
            => ex is SessionStateException || ex is ArgumentException || ex is NotSupportedException || ex is System.IO.IOException;
    }
}
