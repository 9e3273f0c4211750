using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using Veo31.Core.Errors;
using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Veo31.PowerShell.Completion;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Commands
{
    /// <summary>
    /// Gets the current status of videos by uuid. Many piped uuids are fetched concurrently (a bounded number in
    /// flight) and written in input order.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VeoVideoStatus")]
    [OutputType(typeof(VeoVideo))]
    public sealed class GetVeoVideoStatusCommand : VeoCmdlet
    {
        internal const int MaxInFlight = 16;

        private readonly Queue<StatusRequest> _inFlight = new Queue<StatusRequest>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JournalUuidCompleter))]
        public string[] Uuid { get; set; } = null!;

        protected override void Process()
        {
            foreach (string uuid in Uuid)
            {
                while (_inFlight.Count >= MaxInFlight) WriteOldest();
                JobService jobs = ActiveSession.Jobs;
                _inFlight.Enqueue(new StatusRequest(uuid, StartAsync(token => jobs.GetStatusAsync(uuid, token), StopToken)));
                Dispatcher.RunPending();
                while (_inFlight.Count > 0 && _inFlight.Peek().Task.IsCompleted) WriteOldest();
            }
        }

        protected override void End()
        {
            while (_inFlight.Count > 0) WriteOldest();
        }

        private void WriteOldest()
        {
            StatusRequest request = _inFlight.Dequeue();
            JobResult<VideoJobInfo> status;
            try
            {
                status = Dispatcher.PumpUntilComplete(request.Task, StopToken);
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, request.Uuid, request.Uuid);
                return;
            }
            WarnJournalProblem(status.JournalError, request.Uuid);
            VeoVideo video = VeoVideo.FromJob(status.Value);
            video.ImageSource = JournaledImageSource(video.Uuid);
            WriteObject(video);
        }

        private readonly struct StatusRequest
        {
            public StatusRequest(string uuid, Task<JobResult<VideoJobInfo>> task)
            {
                Uuid = uuid;
                Task = task;
            }

            public string Uuid { get; }
            public Task<JobResult<VideoJobInfo>> Task { get; }
        }
    }
}
