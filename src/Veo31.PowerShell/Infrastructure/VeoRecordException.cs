using System;
using System.Management.Automation;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// A failure that already has its ErrorRecord, thrown by code below the cmdlets (which cannot call ThrowTerminatingError);
    /// the cmdlet base ends the command with the record as it is.
    /// </summary>
    internal sealed class VeoRecordException : Exception
    {
        public VeoRecordException(ErrorRecord record)
            : base(record.Exception.Message, record.Exception)
        {
            Record = record;
        }

        public ErrorRecord Record { get; }
    }
}
