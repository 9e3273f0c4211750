using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Validation;
using Veo31.Core.Files;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.PowerShell.Completion;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Starts a video generation (spends credits). Text-to-video from -Prompt, or image-to-video when an image is
    /// given (pipe Send-VeoImage output: ImageUrl and ImageKey bind by property name). The accepted uuid is written
    /// to the job journal before the video is emitted, so paid work is never lost. Up to -ThrottleLimit piped items are
    /// submitted at once and the videos come out in input order; Ctrl+C starts nothing new and waits for every request
    /// already sent, so each accepted uuid is journaled and named to the user.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "VeoVideo", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VeoVideo))]
    public sealed class NewVeoVideoCommand : VeoCmdlet
    {
        /// <summary>What the video shows. Strings piped in become one video each; a bad piped prompt fails alone.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString] // checked per item in Process, so an empty piped string is that item's InvalidParameters
        public string Prompt { get; set; } = "";

        /// <summary>auto (also when empty, as a blank CSV cell), 16:9 or 9:16; checked per item, so a bad piped value fails alone.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AspectRatioCompleter))]
        [AllowNull, AllowEmptyString]
        public string? AspectRatio { get; set; } = "auto";

        /// <summary>URL of an image uploaded with Send-VeoImage; makes this an image_to_video generation.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ImageUrl { get; set; }

        /// <summary>Storage key of an image uploaded with Send-VeoImage.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ImageKey { get; set; }

        /// <summary>The file the image was uploaded from (Send-VeoImage output binds it): journaled and carried to the video.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public VeoImageSource? ImageSource { get; set; }

        /// <summary>A local image file to upload first (Send-VeoImage's checks apply), so a CSV manifest with an ImagePath (or
        /// Image) column pipes straight in: Import-Csv jobs.csv | New-VeoVideo. Relative paths follow the PowerShell location.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Image", "FullName")]
        public string? ImagePath { get; set; }

        /// <summary>Returns the journaled video of an identical earlier request (same generation type, prompt, aspect ratio
        /// and image content) that completed or is still running, instead of paying again; a failed one is submitted again.</summary>
        [Parameter]
        public SwitchParameter Reuse { get; set; }

        /// <summary>How many generation requests are on the wire at once (1 to 64).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = SendVeoImageCommand.DefaultThrottleLimit;

        private OrderedConcurrentRunner<GenerateVideoRequest, SubmitResult>? _runner;

        // A prompt given as an argument is the same for every item, so a bad one ends the command at once, as parameter
        // validation does; a piped prompt is one item among others and fails alone.
        protected override void Begin()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Prompt)))
                ValidateLocally(() => GenerateRequestRules.ValidatePrompt(Prompt, ActiveSession.Client.Options.MaxPromptLength), Prompt);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(AspectRatio)))
                ValidateLocally(() => GenerateRequestRules.ValidateAspectRatio(GenerateRequestRules.NormalizeAspectRatio(AspectRatio)), AspectRatio);
            _runner = new OrderedConcurrentRunner<GenerateVideoRequest, SubmitResult>(Dispatcher, ThrottleLimit, Emit, StopToken,
                t => DoomsLaterItems(t) || (t.Status == TaskStatus.RanToCompletion && DoomsLaterItems(t.Result.Failure)), ReportUnemitted);
        }

        protected override void End() => _runner!.Complete();

        // Ctrl+C while the pipeline thread was upstream (e.g. in Send-VeoImage): requests already sent are still awaited.
        protected override void OnDisposing() => _runner?.FinishStarted();

        protected override void Process()
        {
            VeoClient client = ActiveSession.Client;
            // A CSV cell left empty arrives as "", which means "not given", never "an empty image".
            string? imagePath = Given(ImagePath), imageUrl = Given(ImageUrl), imageKey = Given(ImageKey);
            string? imageFile = null;
            if (imagePath != null)
            {
                imageFile = ResolveImageFile(imagePath, imageUrl != null || imageKey != null);
                if (imageFile == null) return;
            }
            var request = new GenerateVideoRequest
            {
                Prompt = Prompt,
                AspectRatio = GenerateRequestRules.NormalizeAspectRatio(AspectRatio),
                ImageUrl = imageUrl,
                ImageKey = imageKey,
                SourceImage = imageUrl == null && imageKey == null ? null : ImageSource?.ToCore(), // a text video has no source
            };
            try
            {
                if (imageFile == null) GenerateRequestRules.ValidateGenerateRequest(request, client.Options.MaxPromptLength);
                else
                {
                    GenerateRequestRules.ValidatePrompt(request.Prompt, client.Options.MaxPromptLength);
                    GenerateRequestRules.ValidateAspectRatio(request.AspectRatio);
                }
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, Prompt);
                return;
            }

            if (!ShouldProcess(DescribeTarget(request, imageFile), Reuse ? "Generate video, unless an identical one can be reused (spends credits)" : "Generate video (spends credits)")) return;

            JobService jobs = ActiveSession.Jobs;
            Func<System.Threading.CancellationToken, Task<SubmitResult>> submit;
            if (imageFile != null)
            {
                if (Reuse && !TryDescribe(imageFile, request)) return;
                submit = token => jobs.SubmitImageFileAsync(request, imageFile, Reuse, null, token);
            }
            else if (Reuse) submit = token => jobs.SubmitOrReuseAsync(request, token);
            else submit = token => jobs.SubmitAsync(request, token);
            _runner!.Add(request, () => StartAsync(submit, StopToken));
        }

        /// <summary>The item's -ImagePath as a checked image file (format, size), or null after writing why not.</summary>
        private string? ResolveImageFile(string imagePath, bool alsoUploaded)
        {
            if (alsoUploaded)
            {
                WriteItemError(new VeoException(VeoErrorKind.InvalidParameters,
                    "Give the image either as a file to upload (-ImagePath) or as an uploaded image (-ImageUrl, -ImageKey), not both."), imagePath);
                return null;
            }
            string? file = LocalImageFiles.ResolveLiteral(SessionState, imagePath, out ErrorRecord? error);
            if (file == null)
            {
                WriteError(error!);
                return null;
            }
            try
            {
                ImageFileRules.ValidateImageFile(file, ActiveSession.Client.Options.MaxImageBytes);
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, file);
                return null;
            }
            return file;
        }

        private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        // -Reuse matches an image by its content, so the file is hashed before anything is sent.
        private bool TryDescribe(string imageFile, GenerateVideoRequest request)
        {
            try
            {
                request.SourceImage = SourceImageFiles.Describe(imageFile);
                return true;
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, imageFile);
                return false;
            }
        }

        private void Emit(GenerateVideoRequest request, Task<SubmitResult> task)
        {
            SubmitResult submitted = task.GetAwaiter().GetResult();
            if (submitted.Reused != null)
            {
                VeoVideo reused = VeoVideo.FromJournal(submitted.Reused);
                reused.Reused = true;
                WriteVerbose("Reused video " + reused.Uuid + " (" + reused.Status + ") of an identical earlier request; nothing was spent.");
                WriteObject(reused);
                return;
            }
            VideoJobInfo? job = submitted.Job;
            if (job == null)
            {
                if (submitted.JournalError != null)
                    WriteWarning("The job journal could not record the unknown outcome of this request: " + submitted.JournalError.Message);
                WriteItemError(submitted.Failure!, request.Prompt);
                return;
            }

            VeoVideo video = VeoVideo.FromJob(job);
            video.Prompt ??= request.Prompt;
            video.GenerationType ??= request.GenerationType;
            video.AspectRatio ??= request.AspectRatio;
            video.ImageUrl = request.ImageUrl;
            video.ImageKey = request.ImageKey;
            video.ImageSource = VeoImageSource.FromCore(request.SourceImage); // the item's own: the parameter holds a later item by now
            video.Submitted = DateTimeOffset.UtcNow;
            if (submitted.JournalError != null)
            {
                // The job is paid for either way: report the journal problem but still hand the video on.
                WriteError(VeoErrorRecords.Create(VeoErrorRecords.JournalWriteFailed,
                    "Video " + video.Uuid + " was accepted but could not be recorded in the job journal: " + submitted.JournalError.Message, video, submitted.JournalError));
            }
            WriteObject(video);
        }

        /// <summary>
        /// The batch ended (Ctrl+C, a terminating error, a downstream stop) after every request on the wire finished:
        /// name what was paid for but not written, so the user can pick it up from the journal.
        /// </summary>
        private void ReportUnemitted(IReadOnlyList<KeyValuePair<GenerateVideoRequest, Task<SubmitResult>>> unemitted, bool stopped)
        {
            string? message = UnemittedMessage(unemitted.Select(u => u.Value).ToList(), stopped);
            if (message == null) return;
            if (stopped)
            {
                TellHost(message);
                return;
            }
            try
            {
                WriteWarning(message);
            }
            catch (Exception ex) when (ex is PipelineStoppedException || ex is InvalidOperationException)
            {
                // A downstream stop, or disposal (where the pipeline takes no more writes).
                TellHost(message);
            }
        }

        /// <summary>What the user must know about requests sent but not written: accepted uuids and lost answers.</summary>
        private string? UnemittedMessage(IReadOnlyList<Task<SubmitResult>> tasks, bool stopped)
        {
            var done = tasks.Where(t => t.Status == TaskStatus.RanToCompletion).Select(t => t.Result).ToList();
            var accepted = done.Where(r => r.Job != null).Select(r => r.Job!.Uuid).ToList();
            var lost = done.Where(r => r.Job == null && r.Failure?.Kind == VeoErrorKind.GenerationOutcomeUnknown).ToList();
            if (accepted.Count == 0 && lost.Count == 0) return null;

            string journal = ActiveSession.JournalPath;
            var text = new System.Text.StringBuilder(stopped ? "Stopped" : "The command ended");
            if (accepted.Count > 0)
            {
                text.Append(accepted.Count == 1 ? " after the API accepted video " : " after the API accepted videos ")
                    .Append(string.Join(", ", accepted))
                    .Append(" (credits spent); ").Append(accepted.Count == 1 ? "it is" : "they are")
                    .Append(" in the job journal ").Append(journal).Append(": Get-VeoVideo -Pending | Wait-VeoVideo picks ")
                    .Append(accepted.Count == 1 ? "it" : "them").Append(" up.");
            }
            if (lost.Count > 0)
            {
                text.Append(accepted.Count > 0 ? " " : " while paid requests were on the wire. ")
                    .Append(lost.Count == 1 ? "The answer to one paid request was lost: " : lost.Count + " paid requests lost their answers: ")
                    .Append(string.Join(" ", lost.Select(r => r.Failure!.Message)));
                if (lost.All(r => r.JournalError == null)) text.Append(" Recorded in the job journal ").Append(journal).Append(" (Get-VeoVideo).");
            }
            return text.ToString();
        }

        private static string DescribeTarget(GenerateVideoRequest request, string? imageFile)
        {
            string prompt = Core.Text.ServerText.Shorten(request.Prompt, 60);
            string type = imageFile == null ? request.GenerationType : "image_to_video from " + imageFile;
            return type + " '" + prompt + "' (" + request.AspectRatio + ")";
        }
    }
}
