using System;

namespace Veo31.Core.Logging
{
    /// <summary>Writes to the log of the current operation; a failing log never breaks a call.</summary>
    internal static class VeoLogWriter
    {
        public static bool VerboseEnabled => VeoLogScope.Current?.IsVerboseEnabled == true;
        public static bool DebugEnabled => VeoLogScope.Current?.IsDebugEnabled == true;

        public static void Verbose(string message)
        {
            IVeoLog? log = VeoLogScope.Current;
            if (log == null || !log.IsVerboseEnabled) return;
            try { log.Verbose(message); } catch (Exception) { /* logging must not change the outcome of a call */ }
        }

        public static void Debug(Func<string> message)
        {
            IVeoLog? log = VeoLogScope.Current;
            if (log == null || !log.IsDebugEnabled) return;
            try { log.Debug(message()); } catch (Exception) { /* logging must not change the outcome of a call */ }
        }
    }
}
