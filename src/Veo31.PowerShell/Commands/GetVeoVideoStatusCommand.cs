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

        private OrderedConcurrentRunner<string, JobResult<VideoJobInfo>>? _runner;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(JournalUuidCompleter))]
        public string[] Uuid { get; set; } = null!;

        protected override void Begin()
        {
            _runner = new OrderedConcurrentRunner<string, JobResult<VideoJobInfo>>(Dispatcher, MaxInFlight, Emit, StopToken, DoomsLaterItems);
        }

        protected override void Process()
        {
            JobService jobs = ActiveSession.Jobs;
            foreach (string uuid in Uuid)
                _runner!.Add(uuid, () => StartAsync(token => jobs.GetStatusAsync(uuid, token), StopToken));
        }

        protected override void End() => _runner!.Complete();

        private void Emit(string uuid, Task<JobResult<VideoJobInfo>> request)
        {
            JobResult<VideoJobInfo> status;
            try
            {
                status = request.GetAwaiter().GetResult();
            }
            catch (VeoException ex)
            {
                WriteItemError(ex, uuid, uuid);
                return;
            }
            WarnJournalProblem(status.JournalError, uuid);
            VeoVideo video = VeoVideo.FromJob(status.Value);
            video.ImageSource = JournaledImageSource(video.Uuid);
            WriteObject(video);
        }
    }
}
