using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using Veo31.Core.Errors;
using Veo31.Core.Files;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;
using Veo31.Storage;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Downloads completed videos into a folder. The file is streamed to a temporary name and renamed into place
    /// when complete; an existing file is replaced only with -Force, and never when this command wrote it for an earlier
    /// video. The API key is never sent to the video host. With -Provenance a JSON file beside each video tells how it was
    /// made (uuid, prompt, source image and its SHA-256, times, the video's SHA-256 and size); each FileInfo out carries
    /// its path as ProvenancePath. A -Destination that names a blob container (its URL, or 'container/prefix' with the
    /// session's storage credential) gets each video streamed into a block blob, committed only when complete, and a
    /// VeoSavedBlob out; the local disk is not touched.
    /// </summary>
    [Cmdlet(VerbsData.Save, "VeoVideo", DefaultParameterSetName = VideoSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo), typeof(VeoSavedBlob))]
    public sealed class SaveVeoVideoCommand : VeoVideoInputCmdlet
    {
        private const int ProgressActivityId = 0x5653; // "VS"
        internal const string DefaultTemplate = "{Uuid}.mp4";

        internal const string ProvenancePathProperty = "ProvenancePath";

        private string? _destination;
        private BlobVideoContainer? _container;
        private Core.Files.FileNameTemplate? _template;
        // The files this invocation wrote, with the uuid saved in each: a later video whose name collides fails instead.
        private readonly Dictionary<string, string> _written = new Dictionary<string, string>(PathComparer);

        /// <summary>The folder to save into (created if missing); default the current location. Relative paths resolve against
        /// the PowerShell location; a path on another provider's drive (env:, variable:, HKLM:) is refused. Or a blob container:
        /// its https URL (plain http only to a loopback emulator; a SAS in its query, or the session's storage credential),
        /// optionally with a name prefix ('.../container/prefix'); or, when Connect-Veo was given a storage credential,
        /// 'container' or 'container/prefix' in that account ('./name' is then a local folder).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>The file name; {Uuid}, {Date} (creation time, yyyyMMdd-HHmmss UTC), {ImageName} (the source image's name
        /// without extension; the uuid for a video without one) and {Prompt} (a short slug of the prompt) are replaced, letter
        /// case aside. Any other {...} ends the command with an error listing these. Default '{Uuid}.mp4'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string FileNameTemplate { get; set; } = DefaultTemplate;

        /// <summary>Replace an existing file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Also write '&lt;video file name&gt;.json' beside each video: how it was made, and the SHA-256 of both files.</summary>
        [Parameter]
        public SwitchParameter Provenance { get; set; }

        protected override void Begin()
        {
            ValidateLocally(() => _template = Core.Files.FileNameTemplate.Parse(FileNameTemplate), FileNameTemplate);
            VeoSession session = ActiveSession;
            if (BlobVideoContainer.IsContainerLocation(Destination, session.Storage.HasCredential))
            {
                ValidateLocally(() => _container = BlobVideoContainer.Open(Destination!, session.Storage, JournalBlobUri(session),
                    TimeSpan.FromSeconds(session.TimeoutSec), session.StorageProxy), BlobVideoContainer.Show(Destination));
                WriteVerbose("Saving into the blob container " + _container!.Location + " (" + session.Storage.Kind + ").");
                return;
            }
            _destination = FileSystemPaths.ResolveNew(SessionState.Path, Destination ?? SessionState.Path.CurrentFileSystemLocation.Path, "The -Destination");
        }

        // With an access token, 'container' means a container of the blob journal's account.
        private static Uri? JournalBlobUri(VeoSession session)
            => Uri.TryCreate(session.JournalPath, UriKind.Absolute, out Uri? uri) && BlobJournals.IsBlobUrl(session.JournalPath) ? uri : null;

        // Case-insensitive where the file system usually is (Windows, macOS), so two names of one file count as one.
        private static StringComparer PathComparer => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

        protected override void Process()
        {
            foreach (VeoVideo video in InputVideos()) Save(video);
        }

        private void Save(VeoVideo video)
        {
            VeoVideo? ready = EnsureCompleted(video);
            if (ready == null) return;

            VeoImageSource? source = ready.ImageSource ?? JournaledImageSource(ready.Uuid);
            if (_container != null)
            {
                SaveToContainer(ready, source, _container);
                return;
            }
            string file;
            try
            {
                file = SafeFileNames.ResolveInside(_destination!, ExpandTemplate(ready, source));
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, ready, ready.Uuid);
                return;
            }
            string? provenanceFile = Provenance.IsPresent ? ProvenanceFile.PathFor(file) : null;

            if (WrittenEarlier(file, ready)) return;
            if (provenanceFile != null && !Force.IsPresent && File.Exists(provenanceFile))
            {
                // Checked before the download, so a clash costs nothing and leaves no video without its provenance.
                WriteItemError(new VeoException(VeoErrorKind.FileExists, "Video " + ready.Uuid + " was not saved: its provenance file '" + provenanceFile +
                    "' already exists; use -Force to replace it.") { Uuid = ready.Uuid }, ready, ready.Uuid);
                return;
            }
            if (!ShouldProcess(file, "Save video " + ready.Uuid)) return;
            if (!EnsureDestinationFolder(ready)) return;

            bool overwrite = Force.IsPresent;
            if (!TrySaveInto(ready, (jobs, url, progress, token) => jobs.SaveAsync(ready.Uuid, url, file, overwrite, progress, token), out DownloadResult result)) return;
            string? written = provenanceFile != null && WriteProvenance(provenanceFile, ready, source, result) ? provenanceFile : null;
            var output = PSObject.AsPSObject(new FileInfo(result.Path));
            output.Properties.Add(new PSNoteProperty(ProvenancePathProperty, written));
            WriteObject(output);
        }

        /// <summary>Streams the video into a block blob (and its provenance into '&lt;name&gt;.json'), the same checks as for a file.</summary>
        private void SaveToContainer(VeoVideo ready, VeoImageSource? source, BlobVideoContainer container)
        {
            string name;
            try
            {
                name = SafeFileNames.RelativeInside(ExpandTemplate(ready, source));
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, ready, ready.Uuid);
                return;
            }
            string blobUri = container.BlobUri(name);
            if (WrittenEarlier(blobUri, ready)) return;
            string? provenanceName = Provenance.IsPresent ? ProvenanceFile.PathFor(name) : null;
            bool overwrite = Force.IsPresent;
            if (provenanceName != null && !overwrite)
            {
                // Checked before the download, so a clash costs nothing and leaves no video without its provenance.
                if (!TryRunAndWait(token => container.ExistsAsync(provenanceName, token), ready, out bool exists)) return;
                if (exists)
                {
                    WriteItemError(new VeoException(VeoErrorKind.FileExists, "Video " + ready.Uuid + " was not saved: its provenance blob '" +
                        container.BlobUri(provenanceName) + "' already exists; use -Force to replace it.") { Uuid = ready.Uuid }, ready, ready.Uuid);
                    return;
                }
            }
            if (!ShouldProcess(blobUri, "Save video " + ready.Uuid)) return;

            Core.Download.IVideoSink sink = container.CreateSink(name, overwrite);
            if (!TrySaveInto(ready, (jobs, url, progress, token) => jobs.SaveToAsync(ready.Uuid, url, sink, progress, token), out DownloadResult result)) return;
            Uri? provenanceUri = null;
            if (provenanceName != null)
            {
                byte[] record = ProvenanceFile.Serialize(ProvenanceOf(ready, source, result, System.IO.Path.GetFileName(name)));
                if (TryRunAndWait(async token =>
                    {
                        await container.UploadAsync(provenanceName, record, "application/json", overwrite, token).ConfigureAwait(false);
                        return true;
                    }, ready, out _))
                    provenanceUri = new Uri(container.BlobUri(provenanceName));
            }
            WriteObject(new VeoSavedBlob
            {
                Uuid = ready.Uuid,
                Uri = new Uri(result.Path),
                Container = container.ContainerName,
                Name = container.BlobName(name),
                Length = result.Length,
                Sha256 = result.Sha256,
                ProvenanceUri = provenanceUri,
            });
        }

        /// <summary>Runs the transfer with progress, records it, and tells of resumes; false after writing an error.</summary>
        private bool TrySaveInto(VeoVideo ready,
            Func<JobService, string, IProgress<TransferProgress>, System.Threading.CancellationToken, System.Threading.Tasks.Task<JobResult<DownloadResult>>> save,
            out DownloadResult result)
        {
            string activity = "Saving video " + ready.Uuid;
            var progress = new CoalescingProgress<TransferProgress>(Dispatcher, p => WriteProgress(TransferProgressRecords.Create(ProgressActivityId, activity, p)));
            JobService jobs = ActiveSession.Jobs;
            string url = ready.VideoUrl!;
            bool saved = TryRunAndWait(token => save(jobs, url, progress, token), ready, out JobResult<DownloadResult> outcome);
            WriteProgress(TransferProgressRecords.Completed(ProgressActivityId, activity));
            result = saved ? outcome.Value : null!;
            if (!saved) return false;
            WarnJournalProblem(outcome.JournalError, ready.Uuid);
            _written[result.Path] = ready.Uuid;
            TellResumes(ready.Uuid, result);
            return true;
        }

        /// <summary>True (after writing an error) when this command already wrote that file or blob for another video.</summary>
        private bool WrittenEarlier(string target, VeoVideo ready)
        {
            if (!_written.TryGetValue(target, out string? earlier)) return false;
            var collision = new VeoException(VeoErrorKind.FileExists, "Video " + ready.Uuid + " was not saved: '" + target +
                "' was written a moment ago by this command for video " + earlier + ", and a file this command wrote is never replaced, " +
                "even with -Force. Use a -FileNameTemplate that tells the videos apart, such as '{Uuid}.mp4'.") { Uuid = ready.Uuid };
            WriteItemError(collision, ready, ready.Uuid);
            return true;
        }

        private void TellResumes(string uuid, DownloadResult result)
        {
            if (result.Resumes > 0) WriteVerbose("The download of " + uuid + " was resumed " + result.Resumes.ToString(CultureInfo.InvariantCulture) + " time(s).");
        }

        /// <summary>Writes the provenance of a saved video; false after writing an error (the video stays saved).</summary>
        private bool WriteProvenance(string path, VeoVideo video, VeoImageSource? source, DownloadResult result)
        {
            ProvenanceRecord record = ProvenanceOf(video, source, result, Path.GetFileName(result.Path));
            try
            {
                ProvenanceFile.Write(path, record, Force.IsPresent);
                return true;
            }
            catch (VeoException ex)
            {
                WriteItemError(new VeoException(ex.Kind, "Video " + video.Uuid + " was saved to '" + result.Path + "' but its provenance was not: " + ex.Message, ex)
                { Uuid = video.Uuid }, video, video.Uuid);
                return false;
            }
        }

        private ProvenanceRecord ProvenanceOf(VeoVideo video, VeoImageSource? source, DownloadResult result, string videoFileName)
            => new ProvenanceRecord
            {
                Uuid = video.Uuid,
                GenerationType = video.GenerationType,
                Prompt = video.Prompt,
                AspectRatio = video.AspectRatio,
                SourceImage = source?.ToCore(),
                CreatedAt = video.CreatedAt,
                CompletedAt = CompletedAt(video),
                SavedAt = DateTimeOffset.UtcNow,
                VideoFileName = videoFileName,
                VideoSha256 = result.Sha256,
                VideoSize = result.Length,
                ModuleVersion = ModuleVersion,
            };

        /// <summary>When the job was first seen completed: the journal's completed record, else when this video's status was fetched.</summary>
        private DateTimeOffset? CompletedAt(VeoVideo video)
        {
            Core.Journal.JournalEntry? entry = FindJournaled(video.Uuid);
            if (entry?.LastStatus == VideoStatus.Completed && entry.LastChecked.HasValue) return entry.LastChecked;
            return video.LastChecked ?? DateTimeOffset.UtcNow;
        }

        private static string ModuleVersion => typeof(SaveVeoVideoCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        /// <summary>The video with a download URL, fetching its status when the input has none; null after writing an error.</summary>
        private VeoVideo? EnsureCompleted(VeoVideo video)
        {
            if (video.Status != VeoVideoStatus.Completed || string.IsNullOrEmpty(video.VideoUrl))
            {
                JobService jobs = ActiveSession.Jobs;
                string uuid = video.Uuid;
                if (!TryRunAndWait(token => jobs.GetStatusAsync(uuid, token), video, out JobResult<VideoJobInfo> status)) return null;
                WarnJournalProblem(status.JournalError, uuid);
                video = VeoVideo.FromJob(status.Value, video);
            }
            if (video.Status == VeoVideoStatus.Completed && !string.IsNullOrEmpty(video.VideoUrl)) return video;

            if (video.Status == VeoVideoStatus.Failed)
            {
                WriteError(VeoErrorRecords.FromCore(JobService.GenerationFailed(video.Uuid, video.RawStatus, video.FailureReason), video, video.Uuid));
                return null;
            }
            WriteError(VeoErrorRecords.Create(VeoErrorRecords.VideoNotCompleted,
                video.Status == VeoVideoStatus.Completed
                    ? "Video " + video.Uuid + " was reported completed without a download URL; wait with Wait-VeoVideo, which asks again."
                    : "Video " + video.Uuid + " is not completed yet (status " + video.StatusText + "); pipe it through Wait-VeoVideo first.", video));
            return null;
        }

        private string ExpandTemplate(VeoVideo video, VeoImageSource? source)
        {
            if (source == null && _template!.Uses(Core.Files.FileNameTemplate.ImageNameToken))
                WriteVerbose("Video " + video.Uuid + " has no source image (" + (video.GenerationType ?? "generation type unknown") + "): {ImageName} is its uuid.");
            return _template!.Expand(new FileNameValues
            {
                Uuid = video.Uuid,
                Date = video.CreatedAt ?? video.Submitted ?? DateTimeOffset.UtcNow,
                ImageFileName = source?.Name,
                Prompt = video.Prompt,
            });
        }

        private bool EnsureDestinationFolder(VeoVideo video)
        {
            try
            {
                Directory.CreateDirectory(_destination!);
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                WriteError(VeoErrorRecords.Create(VeoErrorRecords.DestinationNotWritable,
                    "The destination folder '" + _destination + "' cannot be created: " + ex.Message, video, ex));
                return false;
            }
        }
    }
}
