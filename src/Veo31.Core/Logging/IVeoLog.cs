namespace Veo31.Core.Logging
{
    /// <summary>Where Core sends diagnostics. Messages are already redacted. May be called from any thread.</summary>
    public interface IVeoLog
    {
        bool IsVerboseEnabled { get; }
        bool IsDebugEnabled { get; }
        void Verbose(string message);
        void Debug(string message);
    }
}
