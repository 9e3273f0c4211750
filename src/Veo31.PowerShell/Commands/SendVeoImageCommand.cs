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

        private IEnumerable<string> ResolveFiles()
        {
            var files = new List<string>();
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (string path in LiteralPath)
                {
                    string resolved = GetUnresolvedProviderPathFromPSPath(path);
                    if (System.IO.File.Exists(resolved)) files.Add(resolved);
                    else WritePathNotFound(path);
                }
                return files;
            }

            foreach (string path in Path)
            {
                try
                {
                    var resolved = GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                    if (provider.Name != "FileSystem")
                    {
                        WriteError(VeoErrorRecords.Create("NotAFileSystemPath", ErrorCategory.InvalidArgument,
                            "'" + path + "' is not a file system path.", path));
                        continue;
                    }
                    if (resolved.Count == 0) WritePathNotFound(path);
                    foreach (string item in resolved)
                    {
                        if (System.IO.File.Exists(item)) files.Add(item);
                        else if (!WildcardPattern.ContainsWildcardCharacters(path)) WritePathNotFound(path);
                    }
                }
                catch (ItemNotFoundException)
                {
                    WritePathNotFound(path);
                }
            }
            return files;
        }

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

        private void WritePathNotFound(string path)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException("Cannot find path '" + path + "' because it does not exist or is not a file."),
                VeoErrorRecords.PathNotFound, ErrorCategory.ObjectNotFound, path));
        }
    }
}
