using Veo31.Core.Logging;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>Core's diagnostics, queued from any thread and written as Verbose/Debug on the pipeline thread.</summary>
    internal sealed class PipelineLog : IVeoLog
    {
        private readonly PipelineDispatcher _dispatcher;
        private readonly VeoCmdlet _cmdlet;

        public PipelineLog(VeoCmdlet cmdlet, PipelineDispatcher dispatcher, bool verbose, bool debug)
        {
            _cmdlet = cmdlet;
            _dispatcher = dispatcher;
            IsVerboseEnabled = verbose;
            IsDebugEnabled = debug;
        }

        public bool IsVerboseEnabled { get; }
        public bool IsDebugEnabled { get; }

        public void Verbose(string message) => _dispatcher.Post(() => _cmdlet.WriteVerbose(message));

        public void Debug(string message) => _dispatcher.Post(() => _cmdlet.WriteDebug(message));
    }
}
