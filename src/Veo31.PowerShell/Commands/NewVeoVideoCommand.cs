using System;
using System.Management.Automation;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Starts a video generation (spends credits). Text-to-video from -Prompt, or image-to-video when an image is
    /// given (pipe Send-VeoImage output: ImageUrl and ImageKey bind by property name). The accepted uuid is written
    /// to the job journal before the video is emitted, so paid work is never lost.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "VeoVideo", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VeoVideo))]
    public sealed class NewVeoVideoCommand : VeoCmdlet
    {
        /// <summary>What the video shows. Strings piped in become one video each; a bad piped prompt fails alone.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString] // checked per item in Process, so an empty piped string is that item's InvalidParameters
        public string Prompt { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("auto", "16:9", "9:16")]
        public string AspectRatio { get; set; } = "auto";

        /// <summary>URL of an image uploaded with Send-VeoImage; makes this an image_to_video generation.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ImageUrl { get; set; }

        /// <summary>Storage key of an image uploaded with Send-VeoImage.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ImageKey { get; set; }

        /// <summary>The file the image was uploaded from (Send-VeoImage output binds it): journaled and carried to the video.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public VeoImageSource? ImageSource { get; set; }

        // A prompt given as an argument is the same for every item, so a bad one ends the command at once, as parameter
        // validation does; a piped prompt is one item among others and fails alone.
        protected override void Begin()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Prompt)))
                ValidateLocally(() => RequestValidation.ValidatePrompt(Prompt, ActiveSession.Client.Options.MaxPromptLength), Prompt);
        }

        protected override void Process()
        {
            var request = new GenerateVideoRequest
            {
                Prompt = Prompt,
                AspectRatio = AspectRatio.ToLowerInvariant(),
                ImageUrl = ImageUrl,
                ImageKey = ImageKey,
                SourceImage = ImageUrl == null && ImageKey == null ? null : ImageSource?.ToCore(), // a text video has no source
            };
            VeoClient client = ActiveSession.Client;
            try
            {
                RequestValidation.ValidateGenerateRequest(request, client.Options.MaxPromptLength);
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, Prompt);
                return;
            }

            if (!ShouldProcess(DescribeTarget(request), "Generate video (spends credits)")) return;

            JobService jobs = ActiveSession.Jobs;
            SubmitResult submitted = RunPaid(token => jobs.SubmitAsync(request, token), out bool stopRequested);
            VideoJobInfo? job = submitted.Job;
            if (stopRequested) StopAfterTellingHost(StoppedMessage(submitted));
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
            video.ImageSource = request.SourceImage == null ? null : ImageSource;
            video.Submitted = DateTimeOffset.UtcNow;
            if (submitted.JournalError != null)
            {
                // The job is paid for either way: report the journal problem but still hand the video on.
                WriteError(VeoErrorRecords.Create(VeoErrorRecords.JournalWriteFailed, ErrorCategory.WriteError,
                    "Video " + video.Uuid + " was accepted but could not be recorded in the job journal: " + submitted.JournalError.Message, video, submitted.JournalError));
            }
            WriteObject(video);
        }

        /// <summary>What the user must know when they stopped while a paid request was on the wire.</summary>
        private string StoppedMessage(SubmitResult submitted)
        {
            string journal = ActiveSession.JournalPath;
            if (submitted.Job != null)
                return "Stopped after the API accepted video " + submitted.Job.Uuid + " (credits spent); it is in the job journal " + journal +
                       ": Get-VeoVideo -Pending | Wait-VeoVideo picks it up.";
            if (submitted.Failure?.Kind == VeoErrorKind.GenerationOutcomeUnknown)
                return "Stopped while a paid request was on the wire and its answer was lost: " + submitted.Failure.Message +
                       (submitted.JournalError == null ? " It is recorded in the job journal " + journal + " (Get-VeoVideo)." : "");
            return "Stopped; the generation request was not accepted.";
        }

        private static string DescribeTarget(GenerateVideoRequest request)
        {
            string prompt = request.Prompt.Length > 60 ? request.Prompt.Substring(0, 57) + "..." : request.Prompt;
            return request.GenerationType + " '" + prompt + "' (" + request.AspectRatio + ")";
        }
    }
}
