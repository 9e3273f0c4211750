<#
.SYNOPSIS
    Turns every image in a folder into a video; meant to run nightly, doing only what is new.
.DESCRIPTION
    For each JPEG, PNG or WebP file in -ImagePath the script uploads the image, starts an image-to-video
    generation, waits for all of them at once and saves each video to -OutputPath as <image name>.mp4
    (<image name>-<extension>.mp4 when two images share a name, e.g. photo.png and photo.jpg).

    Run it every night (cron, a systemd timer, Task Scheduler): it skips what is already done, and keeps no
    index of its own. New-VeoVideo -Reuse finds the job an earlier night made for the same image content and
    prompt in the module's job journal (which records each video's source image and its SHA-256), and
    Save-VeoVideo names each file after its image and writes a provenance file beside it
    (<video>.mp4.json: prompt, source image and its SHA-256, uuid, the video's SHA-256). So an image is:

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
    The folder the videos and their provenance files are written to (created when missing).
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

$extensions = '.jpg', '.jpeg', '.png', '.webp'
$images = @(Get-ChildItem -LiteralPath $ImagePath -File | Where-Object { $extensions -contains $_.Extension.ToLowerInvariant() } | Sort-Object Name)
$sharedNames = @($images | Group-Object { $_.BaseName.ToLowerInvariant() } | Where-Object Count -gt 1 | ForEach-Object Name)
function Get-FileNameTemplate([string] $ImageName) {
    $extension = [IO.Path]::GetExtension($ImageName).TrimStart('.').ToLowerInvariant()
    $baseName = [IO.Path]::GetFileNameWithoutExtension($ImageName).ToLowerInvariant()
    if ($sharedNames -contains $baseName) { "{ImageName}-$extension.mp4" } else { '{ImageName}.mp4' }
}
function New-Result($Image, $Action, $Uuid, $Video, $Problem) {
    [pscustomobject]@{ Image = $Image; Action = $Action; Uuid = $Uuid; Video = $Video; Error = $Problem }
}

# One call for the whole folder (four requests at a time). -Reuse returns the job an earlier night made for the
# same image content and prompt, with nothing uploaded or paid; new and changed images, and those whose last
# generation failed, are uploaded and submitted. A bad image is an error for that image alone.
$videos = @($images | New-VeoVideo -Prompt $Prompt -AspectRatio $AspectRatio -Reuse -ErrorAction SilentlyContinue -ErrorVariable submitErrors)
foreach ($record in @($submitErrors)) {
    $image = Split-Path -Leaf "$($record.TargetObject)"
    Write-Warning "$($image): $($record.Exception.Message)"
    New-Result $image 'Failed' $null $null "$($record.FullyQualifiedErrorId): $($record.Exception.Message)"
}

$waiting = [System.Collections.Generic.List[object]]::new()
$actions = @{}
foreach ($video in $videos) {
    $image = $video.ImageSource.Name
    if ($video.Reused -and $video.SavedPath -and (Test-Path -LiteralPath $video.SavedPath)) {
        New-Result $image 'Skipped' $video.Uuid $video.SavedPath $null
        continue
    }
    $waiting.Add($video)
    $actions[$video.Uuid] = if ($video.Reused) { 'Resumed' } else { 'Created' }
}
if ($waiting.Count -eq 0) { return }

# Wait for every job at once; each is saved as soon as it is done, named after its image. A job that failed or
# did not finish in time is reported; the next run resubmits the failed ones and resumes the unfinished ones.
$finished = @{}
$waiting | Wait-VeoVideo -PollIntervalSec $PollIntervalSec -TimeoutSec $TimeoutSec -ErrorAction SilentlyContinue -ErrorVariable waitErrors |
    ForEach-Object {
        $done = $_
        $image = $done.ImageSource.Name
        $finished[$done.Uuid] = $true
        try {
            # -Force: an image changed since an earlier night replaces that night's video of it.
            $file = $done | Save-VeoVideo -Destination $OutputPath -FileNameTemplate (Get-FileNameTemplate $image) -Provenance -Force -ErrorAction Stop
            New-Result $image $actions[$done.Uuid] $done.Uuid $file.FullName $null
        } catch {
            Write-Warning "$($image): $($_.Exception.Message)"
            New-Result $image 'Failed' $done.Uuid $null "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
        }
    }
foreach ($record in @($waitErrors)) {
    $video = $record.TargetObject
    if (-not $video -or -not $video.PSObject.Properties['Uuid'] -or $finished[$video.Uuid]) { continue }
    Write-Warning "$($video.ImageSource.Name): $($record.Exception.Message)"
    New-Result $video.ImageSource.Name 'Failed' $video.Uuid $null "$($record.FullyQualifiedErrorId): $($record.Exception.Message)"
}
