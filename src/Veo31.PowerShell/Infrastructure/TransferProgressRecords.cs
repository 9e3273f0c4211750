using System;
using System.Globalization;
using System.Management.Automation;
using Veo31.Core.Models;

namespace Veo31.PowerShell.Infrastructure
{
    internal static class TransferProgressRecords
    {
        public static ProgressRecord Create(int activityId, string activity, TransferProgress progress)
        {
            string status = progress.TotalBytes.HasValue
                ? string.Format(CultureInfo.CurrentCulture, "{0:N0} of {1:N0} bytes", progress.BytesTransferred, progress.TotalBytes.Value)
                : string.Format(CultureInfo.CurrentCulture, "{0:N0} bytes", progress.BytesTransferred);
            var record = new ProgressRecord(activityId, activity, status);
            if (progress.TotalBytes > 0)
                record.PercentComplete = (int)Math.Max(0, Math.Min(100, progress.BytesTransferred * 100 / progress.TotalBytes.Value));
            return record;
        }

        public static ProgressRecord Completed(int activityId, string activity)
            => new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed };
    }
}
