<#
.SYNOPSIS
    Runs many jobs through the whole pipeline against the emulator with faults injected, and reports
    what a runbook owner cares about: every accepted job completed and saved, no duplicate charge,
    no partial file.
.DESCRIPTION
    Half the jobs are text-to-video, half image-to-video. Faults hit every endpoint at -FaultRate.
    Faults on POST /generate-video are of two sorts. Where the server did not act (5000, HTML 502, rate
    limit, a connection dropped before the request was read), the module must surface them as
    GenerationOutcomeUnknown or retry them (rate limit) without ever charging twice. Where the server
    acted but the answer was lost (dropped after processing, a slow answer then dropped), the job is
    charged and the client never learns its uuid: the API has no idempotency key and no list endpoint,
    so this cannot be zero; it is counted (ChargedUuidNeverLearned) and every such request must be
    journaled as outcome-unknown. Work that fails after retries is resumed from the journal, as a
    runbook would on its next run.
    With -Storage Blob the journal is an append blob and the videos are streamed into a blob container, both in
    Azurite (started here, on 127.0.0.1): the cloud runbook's setup, with the same figures.
    Returns one object with the figures (also printed).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Jobs = 1000,
    [double] $FaultRate = 0.2,
    [double] $JobSeconds = 2,
    [int] $MaxResumePasses = 5,
    [ValidateSet('File', 'Blob')] [string] $Storage = 'File',
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "veo31-soak-$([guid]::NewGuid().ToString('n'))")
)
$ErrorActionPreference = 'Stop'
$repoRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
Import-Module (Join-Path $repoRoot 'tools/VeoEmulator.psm1') -Force
Import-Module (Join-Path $repoRoot 'tools/SampleImages.psm1') -Force
Import-Module $ModulePath -Force

$faultsByEndpoint = [ordered]@{
    'generate-video'     = 'error5000', 'html502', 'rateLimit', 'drop', 'dropAfter', 'slowAfterDrop'
    'video-status'       = 'error5000', 'html502', 'empty503', 'drop', 'rateLimit', 'error5000http200'
    'upload-video-image' = 'error5000', 'html502', 'drop', 'rateLimit'
    'cdn-video'          = 'truncate', 'drop', 'empty503'
}
$faultSpec = @(foreach ($endpoint in $faultsByEndpoint.Keys) {
    $kinds = $faultsByEndpoint[$endpoint]
    foreach ($kind in $kinds) {
        $rule = '{0}:{1}:{2}' -f $endpoint, $kind, [Math]::Round($FaultRate / $kinds.Count, 4)
        if ($kind -eq 'slowAfterDrop') { $rule += '::300' }   # acted on, answer held 300 ms, then the connection dies
        $rule
    }
}) -join ';'

$null = New-Item -ItemType Directory -Path $WorkPath -Force
$imageDir = New-Item -ItemType Directory -Path (Join-Path $WorkPath 'images') -Force
$videoDir = Join-Path $WorkPath 'videos'
$imageJobs = [int][Math]::Floor($Jobs / 2)
$textJobs = $Jobs - $imageJobs
$template = New-VeoSamplePng -Path (Join-Path $imageDir 'template.png') -Width 32 -Height 18
for ($i = 1; $i -le $imageJobs; $i++) { Copy-Item -LiteralPath $template.FullName -Destination (Join-Path $imageDir "image-$i.png") }
Remove-Item -LiteralPath $template.FullName

$azurite = $null
$connect = @{}
if ($Storage -eq 'Blob') {
    Import-Module (Join-Path $repoRoot 'tools/Azurite.psm1') -Force
    $azurite = Start-VeoAzurite
    $run = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $connect = @{ JournalPath = "veo-soak/journal-$run.jsonl"; StorageConnectionString = (ConvertTo-SecureString $azurite.ConnectionString -AsPlainText -Force) }
    $videoContainer = "veo-soak-videos/$run"
    $videoDir = $videoContainer
}
$emulator = Start-VeoEmulator -ArgumentList '--job-seconds', $JobSeconds, '--faults', $faultSpec, '--credits', ($Jobs * 4)
$savedJournal = $env:VEO_JOURNAL
$env:VEO_JOURNAL = Join-Path $WorkPath 'journal.jsonl'
$process = [Diagnostics.Process]::GetCurrentProcess()
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    Connect-Veo -BaseUri $emulator.ApiUri -ApiKey $emulator.SecureKey @connect
    $errors = [Collections.Generic.List[object]]::new()

    $texts = 1..$textJobs | ForEach-Object { "soak text job $_" } |
        New-VeoVideo -ErrorAction SilentlyContinue -ErrorVariable +submitErrors
    $images = Get-ChildItem -Path (Join-Path $imageDir '*.png') |
        Send-VeoImage -ErrorAction SilentlyContinue -ErrorVariable +uploadErrors |
        New-VeoVideo -Prompt 'soak image job' -ErrorAction SilentlyContinue -ErrorVariable +submitErrors
    $accepted = @($texts) + @($images) | Where-Object { $_ }

    $null = $accepted | Wait-VeoVideo -PollIntervalSec 1 -ErrorAction SilentlyContinue -ErrorVariable +waitErrors |
        Save-VeoVideo -Destination $videoDir -ErrorAction SilentlyContinue -ErrorVariable +saveErrors

    # What failed after its retries is resumed from the journal, as the next runbook run would.
    $passes = 0
    while ($passes -lt $MaxResumePasses) {
        # A lost answer (OutcomeUnknown) or a job the API forgot (Gone) has nothing to wait for.
        $unsaved = @(Get-VeoVideo | Where-Object { "$($_.Status)" -notin 'Failed', 'OutcomeUnknown', 'Gone' -and -not $_.SavedPath })
        if ($unsaved.Count -eq 0) { break }
        $passes++
        $null = $unsaved | Wait-VeoVideo -PollIntervalSec 1 -ErrorAction SilentlyContinue -ErrorVariable +resumeErrors |
            Save-VeoVideo -Destination $videoDir -Force -ErrorAction SilentlyContinue -ErrorVariable +resumeErrors
    }
    $clock.Stop()

    $stats = Get-VeoEmulatorStats $emulator
    # Invoke-RestMethod emits a JSON array as one object; assign before counting.
    $emulatorJobs = Invoke-RestMethod -Uri "$($emulator.ControlUri)/jobs"
    $emulatorJobs = @($emulatorJobs)
    $journal = @(Get-VeoVideo)
    $savedByUuid = @{}
    $journaledUuids = @{}
    foreach ($entry in $journal) {
        if ($entry.Uuid) { $journaledUuids[$entry.Uuid] = $true }
        if ($entry.SavedPath) { $savedByUuid[$entry.Uuid] = $entry.SavedPath }
    }
    # Charged, but the answer with the uuid never arrived: nobody can wait for these; they must be journaled as outcome-unknown.
    $neverLearned = @($emulatorJobs | Where-Object { -not $journaledUuids.ContainsKey($_.uuid) })
    $lost = @($emulatorJobs | Where-Object { $journaledUuids.ContainsKey($_.uuid) -and -not $savedByUuid.ContainsKey($_.uuid) })
    $outcomeUnknownJournaled = @($journal | Where-Object { "$($_.Status)" -eq 'OutcomeUnknown' }).Count

    $expected = @{}
    $corrupt = 0
    foreach ($uuid in $savedByUuid.Keys) {
        $path = $savedByUuid[$uuid]
        if (-not $expected.ContainsKey('hash')) { $expected.hash = (Get-VeoEmulatorVideoHash $emulator -Uuid $uuid).sha256 }
        if ($azurite) {
            # The journal holds the blob's URL: read the blob back and hash it.
            $blob = Invoke-VeoAzuriteRequest -Azurite $azurite -Path $path.Substring("$($azurite.BlobEndpoint)/".Length)
            if ($blob.StatusCode -ne 200) { $corrupt++; continue }
            $sha = [Security.Cryptography.SHA256]::Create()
            try { $hash = [BitConverter]::ToString($sha.ComputeHash($blob.RawContentStream.ToArray())) -replace '-' } finally { $sha.Dispose() }
            if ($hash -ne $expected.hash.ToUpperInvariant()) { $corrupt++ }
            continue
        }
        if (-not (Test-Path -LiteralPath $path)) { $corrupt++; continue }
        if ((Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash -ne $expected.hash.ToUpperInvariant()) { $corrupt++ }
    }
    $partials = if ($azurite) {
        # Every committed blob of the run must be a whole video the journal knows.
        $list = Invoke-WebRequest -Uri ((New-VeoAzuriteSasUrl -Azurite $azurite -Path 'veo-soak-videos') + "&restype=container&comp=list&prefix=$run/") `
            -Headers @{ 'x-ms-version' = '2019-12-12' } -NoProxy
        $names = ([xml]([Text.Encoding]::UTF8.GetString($list.RawContentStream.ToArray()) -replace '^\uFEFF', '')).EnumerationResults.Blobs.Blob | Where-Object { $_ } | ForEach-Object { $_.Name }
        $known = @{}; foreach ($url in $savedByUuid.Values) { $known[$url.Substring("$($azurite.BlobEndpoint)/veo-soak-videos/".Length)] = $true }
        @($names | Where-Object { -not $known.ContainsKey($_) })
    } else {
        @(Get-ChildItem -LiteralPath $videoDir -File -ErrorAction SilentlyContinue | Where-Object Extension -ne '.mp4')
    }
    $requests = ($stats.requests.PSObject.Properties | Measure-Object -Property Value -Sum).Sum
    $outcomeUnknown = @($submitErrors | Where-Object { $_.FullyQualifiedErrorId -like 'GenerationOutcomeUnknown,*' }).Count

    $figures = [pscustomobject]@{
        Jobs                      = $Jobs
        FaultRate                 = $FaultRate
        Journal                   = if ($azurite) { 'Blob (videos in a container)' } else { 'File' }
        UploadsFailed             = @($uploadErrors).Count
        SubmitOutcomeUnknown      = $outcomeUnknown
        AcceptedByApi             = $emulatorJobs.Count
        ChargedUuidNeverLearned   = $neverLearned.Count
        OutcomeUnknownJournaled   = $outcomeUnknownJournaled
        CompletedAndSaved         = $savedByUuid.Count
        LostJobs                  = $lost.Count
        DuplicateCharges          = [int]$stats.duplicateCharges
        CorruptOrPartialFiles     = $corrupt + $partials.Count
        ResumePasses              = $passes
        RequestsPerAcceptedJob    = if ($emulatorJobs.Count) { [Math]::Round($requests / $emulatorJobs.Count, 2) } else { 0 }
        WallTimeSec               = [Math]::Round($clock.Elapsed.TotalSeconds, 1)
        PeakWorkingSetMB          = [Math]::Round($process.PeakWorkingSet64 / 1MB, 1)
    }
    $figures | Format-List | Out-Host
    $figures
} finally {
    $env:VEO_JOURNAL = $savedJournal
    Disconnect-Veo -ErrorAction SilentlyContinue
    Stop-VeoEmulator $emulator
    if ($azurite) { Stop-VeoAzurite $azurite }
    Remove-Item -LiteralPath $WorkPath -Recurse -Force -ErrorAction SilentlyContinue
}
