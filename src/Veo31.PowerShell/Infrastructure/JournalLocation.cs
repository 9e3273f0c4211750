using System.Management.Automation;
using Veo31.Core.Journal;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// The one resolution of the journal path: -JournalPath, else $env:VEO_JOURNAL, else the default under the local
    /// application data folder; a relative path means the PowerShell location, as the user sees it, not the process's
    /// working directory (which Set-Location does not change).
    /// </summary>
    internal static class JournalLocation
    {
        public static string Resolve(PathIntrinsics path, string? explicitPath)
            => path.GetUnresolvedProviderPathFromPSPath(string.IsNullOrWhiteSpace(explicitPath) ? JobJournal.DefaultPath : explicitPath!.Trim());

        /// <summary>For tab completion, which cannot ask PowerShell to resolve paths: a relative path against the given location.</summary>
        public static string ForCompletion(string? currentLocation)
        {
            string path = JobJournal.DefaultPath;
            return System.IO.Path.IsPathRooted(path) || currentLocation == null ? path : System.IO.Path.Combine(currentLocation, path);
        }

        /// <summary>The journal of the current session, else the one Connect-Veo would use now.</summary>
        public static JobJournal ForReading(PathIntrinsics path, VeoSession? session)
            => session?.Journal ?? new JobJournal(Resolve(path, null));
    }
}
