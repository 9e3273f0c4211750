using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Veo31.Emulator;

internal sealed class JobStore
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    public Job Create(string apiKey, string generationType, string prompt, string aspectRatio, string? imageUrl, string? imageKey, double defaultSeconds)
    {
        var markers = PromptMarkers.Parse(prompt);
        var job = new Job
        {
            Uuid = Guid.NewGuid().ToString("D"),
            ApiKey = apiKey,
            KeyFingerprint = FingerprintOf(apiKey),
            GenerationType = generationType,
            Prompt = prompt,
            AspectRatio = aspectRatio,
            ImageUrl = imageUrl,
            ImageKey = imageKey,
            CreatedAt = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            StartTimestamp = Stopwatch.GetTimestamp(),
            DurationSeconds = markers.Seconds ?? defaultSeconds,
            FailField = markers.FailField,
            EndStatus = markers.EndStatus,
            EndReason = markers.EndReason,
            MidStatus = markers.MidStatus,
            UrlOmissions = markers.UrlOmissions,
            HostileText = HostileText.IsRequested(prompt),
        };
        _jobs[job.Uuid] = job;
        return job;
    }

    public Job? Find(string uuid) => _jobs.TryGetValue(uuid, out var job) ? job : null;

    public IEnumerable<Job> All => _jobs.Values.OrderBy(j => j.StartTimestamp);

    /// <summary>A short, non-reversible name for a key (the jobs listing never shows keys themselves).</summary>
    public static string FingerprintOf(string apiKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)))[..12];
}
