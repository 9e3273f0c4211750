<#
.SYNOPSIS
    Turns every image in a folder into a video; meant to run nightly, doing only what is new.
.DESCRIPTION
    For each JPEG, PNG or WebP file in -ImagePath the script uploads the image, starts an image-to-video
    generation, waits for all of them at once and saves each video to -OutputPath as <image name>.mp4
    (<image name>-<extension>.mp4 when two images share a name, e.g. photo.png and photo.jpg).

    Run it every night (cron, a systemd timer, Task Scheduler): it skips what is already done. Which job
    belongs to which image is kept in an index file in -OutputPath (veo31-images.json: the image's
    name and SHA-256, and the job's uuid); the state of each job comes from the module's job journal
    (Get-VeoVideo). So an image is:

      - skipped   when the journal says its video was saved and the file is still there;
      - resumed   when the journal knows its job but the video was not saved yet (the last run was stopped
                  or timed out): the script waits for it and saves it, without paying again;
      - submitted when it is new, was changed since (another SHA-256), or its last generation failed.

    One failing image (not really an image, too large, a failed generation) is reported as a warning and a
    'Failed' result; the others go on. Connects with Connect-Veo, so the key comes from $env:VEO_API_KEY
    (and the API from $env:VEO_BASE_URI or -BaseUri) unless you are already connected.
    Writes one object per image: Image, Action (Skipped, Resumed, Created, Failed), Uuid, Video, Error.
.PARAMETER ImagePath
    The folder holding the images (not recursive).
.PARAMETER OutputPath
    The folder the videos and the index are written to (created when missing).
.PARAMETER Prompt
    The prompt given with every image.
.PARAMETER AspectRatio
    auto, 16:9 or 9:16.
.PARAMETER JournalPath
    The job journal to use (Connect-Veo -JournalPath); empty keeps the module's default ($env:VEO_JOURNAL,
    else the profile's local application data folder).
.PARAMETER BaseUri
    The API base URI; empty uses $env:VEO_BASE_URI or the real service.
.PARAMETER PollIntervalSec
    Seconds between status checks (completion is found by polling: the provider has no webhook).
.PARAMETER TimeoutSec
    How long to wait for this run's videos; what is not finished by then is resumed by the next run.
.PARAMETER ModuleName
    The module to import: Veo31 or a path to the module folder.
.EXAMPLE
    $env:VEO_API_KEY = Get-Content ~/.veo-key
    ./Convert-ImageFolderToVideo.ps1 -ImagePath /srv/photos/incoming -OutputPath /srv/videos -Prompt 'slow pan across the scene'
.EXAMPLE
    # crontab: every night at 02:00
    # 0 2 * * * VEO_API_KEY=... pwsh -NoProfile -File /opt/veo/Convert-ImageFolderToVideo.ps1 -ImagePath /srv/photos -OutputPath /srv/videos
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ImagePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $Prompt = 'slow cinematic pan across the scene',
    [ValidateSet('auto', '16:9', '9:16')] [string] $AspectRatio = 'auto',
    [string] $JournalPath,
    [string] $BaseUri,
    [double] $PollIntervalSec = 10,
    [int] $TimeoutSec = 3600,
    [string] $ModuleName = 'Veo31'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModuleName
$connect = @{}
if ($BaseUri) { $connect.BaseUri = $BaseUri }
if ($JournalPath) { $connect.JournalPath = $JournalPath }
Connect-Veo @connect

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
$indexPath = Join-Path $OutputPath 'veo31-images.json'

# The index: image name and SHA-256 -> { Uuid, Image, FileName }. Written after every submission, so a job is
# never lost even if the script is stopped while it waits.
$index = @{}
if (Test-Path -LiteralPath $indexPath) {
    foreach ($item in @(Get-Content -Raw -LiteralPath $indexPath | ConvertFrom-Json)) { $index["$($item.Image)|$($item.Sha256)"] = $item }
}
function Save-Index {
    $temp = "$indexPath.tmp"
    ConvertTo-Json -InputObject @($index.Values | Sort-Object Image) -Depth 3 | Set-Content -LiteralPath $temp -Encoding UTF8
    Move-Item -LiteralPath $temp -Destination $indexPath -Force
}

$journal = @{}
foreach ($entry in @(Get-VeoVideo)) { $journal[$entry.Uuid] = $entry }

$extensions = '.jpg', '.jpeg', '.png', '.webp'
$images = @(Get-ChildItem -LiteralPath $ImagePath -File | Where-Object { $extensions -contains $_.Extension.ToLowerInvariant() } | Sort-Object Name)
$sharedNames = @($images | Group-Object { $_.BaseName.ToLowerInvariant() } | Where-Object Count -gt 1 | ForEach-Object Name)

$waiting = [System.Collections.Generic.List[object]]::new()   # VeoVideo objects to wait for
$byUuid = @{}                                                  # uuid -> { Image, FileName, Action }

foreach ($image in $images) {
    $fileName = if ($sharedNames -contains $image.BaseName.ToLowerInvariant()) {
        '{0}-{1}.mp4' -f $image.BaseName, $image.Extension.TrimStart('.').ToLowerInvariant()
    } else { "$($image.BaseName).mp4" }
    $sha256 = (Get-FileHash -LiteralPath $image.FullName -Algorithm SHA256).Hash
    $key = "$($image.Name)|$sha256"
    $known = $index[$key]
    $entry = if ($known) { $journal[$known.Uuid] }

    if ($entry -and $entry.SavedPath -and (Test-Path -LiteralPath $entry.SavedPath)) {
        [pscustomobject]@{ Image = $image.Name; Action = 'Skipped'; Uuid = $entry.Uuid; Video = $entry.SavedPath; Error = $null }
        continue
    }
    if ($entry -and "$($entry.Status)" -ne 'Failed') {
        $waiting.Add($entry)
        $byUuid[$entry.Uuid] = @{ Image = $image.Name; FileName = $known.FileName; Action = 'Resumed' }
        continue
    }
    try {
        $video = $image | Send-VeoImage -ErrorAction Stop | New-VeoVideo -Prompt $Prompt -AspectRatio $AspectRatio -ErrorAction Stop
        $index[$key] = [pscustomobject]@{ Sha256 = $sha256; Uuid = $video.Uuid; Image = $image.Name; FileName = $fileName }
        Save-Index
        $waiting.Add($video)
        $byUuid[$video.Uuid] = @{ Image = $image.Name; FileName = $fileName; Action = 'Created' }
    } catch {
        Write-Warning "$($image.Name): $($_.Exception.Message)"
        [pscustomobject]@{ Image = $image.Name; Action = 'Failed'; Uuid = $null; Video = $null; Error = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
    }
}

if ($waiting.Count -eq 0) { return }

# Wait for every job at once; each is saved as soon as it is done. A job that failed or did not finish in
# time is reported; the next run resubmits the failed ones and resumes the unfinished ones.
$finished = @{}
$waiting | Wait-VeoVideo -PollIntervalSec $PollIntervalSec -TimeoutSec $TimeoutSec -ErrorAction SilentlyContinue -ErrorVariable waitErrors |
    ForEach-Object {
        $done = $_
        $job = $byUuid[$done.Uuid]
        $finished[$done.Uuid] = $true
        try {
            # -Force: the index ties the file name to this job, so a file left by a stopped run is replaced.
            $file = $done | Save-VeoVideo -Destination $OutputPath -FileNameTemplate $job.FileName -Force -ErrorAction Stop
            [pscustomobject]@{ Image = $job.Image; Action = $job.Action; Uuid = $done.Uuid; Video = $file.FullName; Error = $null }
        } catch {
            Write-Warning "$($job.Image): $($_.Exception.Message)"
            [pscustomobject]@{ Image = $job.Image; Action = 'Failed'; Uuid = $done.Uuid; Video = $null; Error = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        }
    }
foreach ($record in @($waitErrors)) {
    $uuid = if ($record.TargetObject -and $record.TargetObject.PSObject.Properties['Uuid']) { $record.TargetObject.Uuid } else { "$($record.TargetObject)" }
    $job = $byUuid[$uuid]
    if (-not $job -or $finished[$uuid]) { continue }
    Write-Warning "$($job.Image): $($record.Exception.Message)"
    [pscustomobject]@{ Image = $job.Image; Action = 'Failed'; Uuid = $uuid; Video = $null; Error = "$($record.FullyQualifiedErrorId): $($record.Exception.Message)" }
}
