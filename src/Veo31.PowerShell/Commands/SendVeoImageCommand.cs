using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Validation;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Uploads JPEG, PNG or WebP images for image-to-video. The real format (magic bytes) and the 50 MB limit are
    /// checked before anything is sent. Paths follow Get-Content: -Path takes wildcards, -LiteralPath (alias PSPath,
    /// so Get-ChildItem output binds) does not. Up to -ThrottleLimit uploads run at once; results come out in input order.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "VeoImage", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VeoImage))]
    public sealed class SendVeoImageCommand : VeoCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int ProgressActivityId = 0x5649; // "VI"; concurrent uploads take the ids after it

        /// <summary>Uploads at once by default: four hides most of a round trip per image (a batch runs about four times
        /// faster than one at a time) while staying well inside the service's per-key rate limit.</summary>
        internal const int DefaultThrottleLimit = 4;

        private readonly SortedSet<int> _freeProgressIds = new SortedSet<int>();
        private int _nextProgressId = ProgressActivityId;
        private OrderedConcurrentRunner<Upload, UploadedImageInfo>? _runner;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        /// <summary>How many uploads run at once (1 to 64).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        protected override void Begin()
        {
            _runner = new OrderedConcurrentRunner<Upload, UploadedImageInfo>(Dispatcher, ThrottleLimit, Emit, StopToken, DoomsLaterItems);
        }

        protected override void Process()
        {
            foreach (string file in ResolveFiles()) Start(file);
        }

        protected override void End() => _runner!.Complete();

        /// <summary>The files this record names; every path that names none (missing, on a missing drive, a folder, another
        /// provider's item) is a non-terminating error of its own, so the other paths still upload.</summary>
        private IEnumerable<string> ResolveFiles()
        {
            var files = new List<string>();
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string path in literal ? LiteralPath : Path)
            {
                try
                {
                    if (literal) AddLiteral(path, files);
                    else AddMatches(path, files);
                }
                catch (Exception ex) when (LocalImageFiles.IsBadPath(ex))
                {
                    WriteError(VeoErrorRecords.PathNotFoundRecord(path, ex));
                }
            }
            return files;
        }

        private void AddLiteral(string path, List<string> files)
        {
            string? file = LocalImageFiles.ResolveLiteral(SessionState, path, out ErrorRecord? error);
            if (file != null) files.Add(file);
            else WriteError(error!);
        }

        private void AddMatches(string path, List<string> files)
        {
            var resolved = GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
            if (!LocalImageFiles.IsFileSystem(provider))
            {
                WriteError(VeoErrorRecords.NotAFileSystemPathRecord(path, "The path"));
                return;
            }
            if (resolved.Count == 0) WriteError(VeoErrorRecords.PathNotFoundRecord(path));
            foreach (string item in resolved)
            {
                if (System.IO.File.Exists(item)) files.Add(item);
                else if (!WildcardPattern.ContainsWildcardCharacters(path)) WriteError(VeoErrorRecords.PathNotFoundRecord(path));
            }
        }

        /// <summary>Checks and asks about one file here, on the pipeline thread, then starts its upload.</summary>
        private void Start(string file)
        {
            try
            {
                ImageFileRules.ValidateImageFile(file, ActiveSession.Client.Options.MaxImageBytes);
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, file);
                return;
            }

            if (!ShouldProcess(file, "Upload image")) return;

            var upload = new Upload(file, TakeProgressId(), "Uploading " + System.IO.Path.GetFileName(file));
            var progress = new CoalescingProgress<TransferProgress>(Dispatcher, p => WriteProgress(TransferProgressRecords.Create(upload.ProgressId, upload.Activity, p)));
            var client = ActiveSession.Client;
            _runner!.Add(upload, () => StartAsync(token => client.UploadImageAsync(file, progress, token), StopToken));
        }

        private void Emit(Upload upload, Task<UploadedImageInfo> task)
        {
            WriteProgress(TransferProgressRecords.Completed(upload.ProgressId, upload.Activity));
            _freeProgressIds.Add(upload.ProgressId);
            UploadedImageInfo info;
            try
            {
                info = task.GetAwaiter().GetResult();
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, upload.File);
                return;
            }
            catch (ObjectDisposedException ex)
            {
                ThrowTerminatingError(DisposedRecord(ex, upload.File));
                return;
            }
            WriteObject(VeoImage.FromUpload(info, upload.File));
        }

        /// <summary>One progress bar per upload in flight: the lowest id no running upload holds.</summary>
        private int TakeProgressId()
        {
            if (_freeProgressIds.Count == 0) return _nextProgressId++;
            int id = _freeProgressIds.Min;
            _freeProgressIds.Remove(id);
            return id;
        }

        private sealed class Upload
        {
            public Upload(string file, int progressId, string activity)
            {
                File = file;
                ProgressId = progressId;
                Activity = activity;
            }

            public string File { get; }
            public int ProgressId { get; }
            public string Activity { get; }
        }
    }
}
