using System;
using System.Management.Automation;
using System.Net;
using Veo31.Core.Journal;
using Veo31.Storage;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// The one resolution of the journal: -JournalPath, else $env:VEO_JOURNAL, else the default under the local application
    /// data folder. An http(s) URL (or, with a storage credential, 'container/blob') is an Azure append blob; anything else
    /// (the default path among them) is a file, and a relative path means the PowerShell location, as the user sees it, not the process's working
    /// directory (which Set-Location does not change).
    /// </summary>
    internal static class JournalLocation
    {
        /// <summary>Network limit for a journal opened without a session's -TimeoutSec (reading, tab completion).</summary>
        private static readonly TimeSpan DefaultBlobTimeout = TimeSpan.FromSeconds(30);

        public static JobJournal Open(PathIntrinsics path, string? explicitLocation, StorageAuth storage, TimeSpan blobTimeout, IWebProxy? proxy)
        {
            string location = string.IsNullOrWhiteSpace(explicitLocation) ? JobJournal.DefaultPath : explicitLocation!.Trim();
            if (BlobJournals.IsBlobLocation(location, storage.HasCredential)) return BlobJournals.Open(location, storage, blobTimeout, proxy);
            return new JobJournal(FileSystemPaths.ResolveNew(path, location, "The journal path"));
        }

        /// <summary>For tab completion, which cannot ask PowerShell to resolve paths: a relative path against the given location.</summary>
        public static JobJournal ForCompletion(string? currentLocation)
        {
            string location = JobJournal.DefaultPath;
            if (BlobJournals.IsBlobUrl(location)) return BlobJournals.Open(location, StorageAuth.None, DefaultBlobTimeout);
            return new JobJournal(System.IO.Path.IsPathRooted(location) || currentLocation == null ? location : System.IO.Path.Combine(currentLocation, location));
        }

        /// <summary>The journal of the current session, else the one Connect-Veo would use now (a blob only by a SAS URL).</summary>
        public static JobJournal ForReading(PathIntrinsics path, VeoSession? session)
            => session?.Journal ?? Open(path, null, StorageAuth.None, DefaultBlobTimeout, null);
    }
}
