using System;
using System.Collections.Generic;
using System.Management.Automation;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Uploads JPEG, PNG or WebP images for image-to-video. The real format (magic bytes) and the 50 MB limit are
    /// checked before anything is sent. Paths follow Get-Content: -Path takes wildcards, -LiteralPath (alias PSPath,
    /// so Get-ChildItem output binds) does not.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "VeoImage", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VeoImage))]
    public sealed class SendVeoImageCommand : VeoCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int ProgressActivityId = 0x5649; // "VI"

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        protected override void Process()
        {
            foreach (string file in ResolveFiles()) Upload(file);
        }

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
                catch (Exception ex) when (ex is SessionStateException || ex is ArgumentException || ex is NotSupportedException || ex is System.IO.IOException)
                {
                    // SessionStateException covers an item, drive or provider that does not exist ('Q:\x.png', 'nosuchdrive:\x.png').
                    WriteError(VeoErrorRecords.PathNotFoundRecord(path, ex));
                }
            }
            return files;
        }

        private void AddLiteral(string path, List<string> files)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
            if (!IsFileSystem(provider)) WriteError(VeoErrorRecords.NotAFileSystemPathRecord(path, "The path"));
            else if (System.IO.File.Exists(resolved)) files.Add(resolved);
            else WriteError(VeoErrorRecords.PathNotFoundRecord(path));
        }

        private void AddMatches(string path, List<string> files)
        {
            var resolved = GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
            if (!IsFileSystem(provider))
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

        private static bool IsFileSystem(ProviderInfo provider) => provider.Name == "FileSystem";

        private void Upload(string file)
        {
            try
            {
                RequestValidation.ValidateImageFile(file, ActiveSession.Client.Options.MaxImageBytes);
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, file);
                return;
            }

            if (!ShouldProcess(file, "Upload image")) return;

            string activity = "Uploading " + System.IO.Path.GetFileName(file);
            var progress = new CoalescingProgress<TransferProgress>(Dispatcher, p => WriteProgress(TransferProgressRecords.Create(ProgressActivityId, activity, p)));
            var client = ActiveSession.Client;
            bool uploaded = TryRunAsync(token => client.UploadImageAsync(file, progress, token), file, out UploadedImageInfo info);
            WriteProgress(TransferProgressRecords.Completed(ProgressActivityId, activity));
            if (uploaded) WriteObject(VeoImage.FromUpload(info, file));
        }
    }
}
