<#
.SYNOPSIS
    One side of one benchmark, run by Invoke-Benchmarks.ps1 in a fresh pwsh so that its working set is its own.
.DESCRIPTION
    Writes one JSON object to -ResultPath. Scenarios:
      Status    1,000 Get-VeoVideoStatus -Uuid vs 1,000 Invoke-RestMethod (alternating rounds), then N distinct
                uuids piped into one Get-VeoVideoStatus vs an Invoke-RestMethod loop (alternating rounds).
      Wait      -Side Module|Loop: creates -Jobs jobs of -JobSeconds (or spread evenly up to -MaxJobSeconds), then
                waits for all of them (Wait-VeoVideo vs a sequential Invoke-RestMethod / Start-Sleep loop).
      Upload    -Side Module|Irm: uploads -FilePath once (after a small warm-up upload).
      Download  -Side Module|Iwr: downloads the video of -Uuid once (after a warm-up status/request).
      Batch     -Side Default|One|Parallel: every image in -ImageFolder through upload then generate (after a warm-up
                upload and generation): Send-VeoImage | New-VeoVideo at the default -ThrottleLimit or at 1, or
                ForEach-Object -Parallel -ThrottleLimit 4 with Invoke-RestMethod -Form and a POST per image.
    Memory: PeakWorkingSet64 of this process. For Upload/Download the peak is reset just before the transfer
    (Linux: "5" written to /proc/self/clear_refs resets VmHWM), so the growth is the transfer's alone.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidateSet('Status', 'Wait', 'Upload', 'Download', 'Batch')] [string] $Scenario,
    [string] $Side,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ApiUri,
    [Parameter(Mandatory)] [string] $ApiKey,
    [Parameter(Mandatory)] [string] $ResultPath,
    [int] $Calls = 1000,
    [int] $Rounds = 5,
    [string[]] $Uuids,
    [string] $UuidFile,
    [int] $Jobs = 500,
    [double] $JobSeconds = 10,
    [double] $MaxJobSeconds = 0,
    [double] $PollIntervalSec = 2,
    [string] $FilePath,
    [string] $WarmupFilePath,
    [string] $Uuid,
    [string] $OutDir,
    [string] $ImageFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue' # nobody watches a child's console; both sides are treated alike

$proc = [Diagnostics.Process]::GetCurrentProcess()
function Get-Ws { $proc.Refresh(); $proc.WorkingSet64 }
function Get-PeakWs { $proc.Refresh(); $proc.PeakWorkingSet64 }
function Reset-PeakWs {
    # Linux: resets the peak resident set size (VmHWM) to the current one. Elsewhere the lifetime peak is kept.
    if (Test-Path -LiteralPath '/proc/self/clear_refs') {
        try { [IO.File]::WriteAllText("/proc/$PID/clear_refs", '5'); return $true } catch { return $false }
    }
    $false
}
function Get-CpuMs { $proc.Refresh(); $proc.TotalProcessorTime.TotalMilliseconds }
function Get-GcCounts { @([GC]::CollectionCount(0), [GC]::CollectionCount(1), [GC]::CollectionCount(2)) }

$headers = @{ Authorization = "Bearer $ApiKey" }
$api = $ApiUri.TrimEnd('/')
$secure = ConvertTo-SecureString -String $ApiKey -AsPlainText -Force
$result = [ordered]@{ Scenario = $Scenario; Side = $Side }

switch ($Scenario) {
    'Status' {
        Import-Module $ModulePath
        Connect-Veo -BaseUri $api -ApiKey $secure
        if ($UuidFile) { $Uuids = @(Get-Content -LiteralPath $UuidFile) }
        $u = $Uuids[0]
        # Warm-up: JIT, connections, caches on both sides.
        foreach ($i in 1..50) { $null = Get-VeoVideoStatus -Uuid $u; $null = Invoke-RestMethod -Uri "$api/video-status/$u" -Headers $headers }
        $null = $Uuids[0..49] | Get-VeoVideoStatus

        $single = [Collections.Generic.List[object]]::new()
        for ($r = 0; $r -lt $Rounds; $r++) {
            $sw = [Diagnostics.Stopwatch]::StartNew(); $cpu = Get-CpuMs
            for ($i = 0; $i -lt $Calls; $i++) { $null = Get-VeoVideoStatus -Uuid $u }
            $module = $sw.Elapsed.TotalMilliseconds; $moduleCpu = (Get-CpuMs) - $cpu
            $sw.Restart(); $cpu = Get-CpuMs
            for ($i = 0; $i -lt $Calls; $i++) { $null = Invoke-RestMethod -Uri "$api/video-status/$u" -Headers $headers }
            $irm = $sw.Elapsed.TotalMilliseconds; $irmCpu = (Get-CpuMs) - $cpu
            $single.Add([ordered]@{ ModuleMs = $module; IrmMs = $irm; ModuleCpuMs = $moduleCpu; IrmCpuMs = $irmCpu })
        }

        $piped = [Collections.Generic.List[object]]::new()
        $orderKept = $true
        for ($r = 0; $r -lt $Rounds; $r++) {
            $sw = [Diagnostics.Stopwatch]::StartNew(); $cpu = Get-CpuMs
            $out = $Uuids | Get-VeoVideoStatus
            $module = $sw.Elapsed.TotalMilliseconds; $moduleCpu = (Get-CpuMs) - $cpu
            $sw.Restart(); $cpu = Get-CpuMs
            $loop = foreach ($x in $Uuids) { (Invoke-RestMethod -Uri "$api/video-status/$x" -Headers $headers).data }
            $irm = $sw.Elapsed.TotalMilliseconds; $irmCpu = (Get-CpuMs) - $cpu
            $moduleOrder = ($out.Uuid -join ',') -ceq ($Uuids -join ',')
            $loopOrder = ($loop.uuid -join ',') -ceq ($Uuids -join ',')
            if (-not ($moduleOrder -and $loopOrder -and $out.Count -eq $Uuids.Count)) { $orderKept = $false }
            $piped.Add([ordered]@{ ModuleMs = $module; IrmMs = $irm; ModuleCpuMs = $moduleCpu; IrmCpuMs = $irmCpu })
        }
        $result.Calls = $Calls
        $result.Distinct = $Uuids.Count
        $result.Single = $single
        $result.Piped = $piped
        $result.OrderKept = $orderKept
    }

    'Wait' {
        # Job i lasts JobSeconds, or, with -MaxJobSeconds, a duration spread evenly from JobSeconds to MaxJobSeconds
        # over the batch (a [seconds=N] marker in each prompt). Both sides take a timestamp when each creation answer
        # arrives: job i is over at the latest at that time plus its duration.
        if ($Side -eq 'Module') { Import-Module $ModulePath; Connect-Veo -BaseUri $api -ApiKey $secure }
        $maxSeconds = if ($MaxJobSeconds -gt 0) { $MaxJobSeconds } else { $JobSeconds }
        $durations = @(foreach ($i in 1..$Jobs) {
            if ($Jobs -eq 1) { $JobSeconds } else { [Math]::Round($JobSeconds + ($maxSeconds - $JobSeconds) * ($i - 1) / ($Jobs - 1), 1) }
        })
        $prompts = @(foreach ($i in 1..$Jobs) { "benchmark wait [seconds=$($durations[$i - 1].ToString([cultureinfo]::InvariantCulture))] #$i" })
        $answeredMs = [Collections.Generic.List[double]]::new()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        if ($Side -eq 'Module') {
            $created = @($prompts | New-VeoVideo | ForEach-Object { $answeredMs.Add($sw.Elapsed.TotalMilliseconds); $_ })
        } else {
            $created = @(foreach ($prompt in $prompts) {
                $body = @{ generationType = 'text_to_video'; prompt = $prompt } | ConvertTo-Json -Compress
                (Invoke-RestMethod -Method Post -Uri "$api/generate-video" -Headers $headers -ContentType 'application/json' -Body $body).data
                $answeredMs.Add($sw.Elapsed.TotalMilliseconds)
            })
        }
        if ($created.Count -ne $Jobs) { throw "Created $($created.Count) of $Jobs jobs." }
        $lastCreatedMs = $sw.Elapsed.TotalMilliseconds
        $gcBefore = Get-GcCounts
        $waitStartMs = $sw.Elapsed.TotalMilliseconds
        $result.WaitStartUtc = [DateTime]::UtcNow.ToString('o')
        $errors = 0
        if ($Side -eq 'Module') {
            $waitErrors = $null
            $done = @($created | Wait-VeoVideo -PollIntervalSec $PollIntervalSec -ErrorAction SilentlyContinue -ErrorVariable waitErrors)
            $completed = @($done | Where-Object { "$($_.Status)" -eq 'Completed' }).Count
            $errors = @($waitErrors).Count
            $result.ErrorSample = @($waitErrors | Select-Object -First 3 | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
        } else {
            # The user's loop: one job after the other, sleep the interval between polls. A failed request (e.g. 429)
            # is what a script with the default ErrorActionPreference gets: an error, then the next poll an interval later.
            $completed = 0
            foreach ($job in $created) {
                while ($true) {
                    try { $s = (Invoke-RestMethod -Uri "$api/video-status/$($job.uuid)" -Headers $headers).data }
                    catch { $errors++; $s = $null }
                    if ($s -and $s.status -eq 'completed') { $completed++; break }
                    if ($s -and $s.status -eq 'failed') { break }
                    Start-Sleep -Seconds $PollIntervalSec
                }
            }
        }
        $waitMs = $sw.Elapsed.TotalMilliseconds - $waitStartMs
        $gcAfter = Get-GcCounts
        $result.Jobs = $Jobs
        $result.Completed = $completed
        $result.Failed = $Jobs - $completed
        $result.Errors = $errors
        $result.CreateMs = $lastCreatedMs
        $result.WaitMs = $waitMs
        # Time from the start of the wait until the last job is over, at the latest (creation answer + duration).
        $result.SlowestRemainingMs = [Math]::Max(0, (@(0..($Jobs - 1) | ForEach-Object { $answeredMs[$_] + $durations[$_] * 1000 }) | Measure-Object -Maximum).Maximum - $waitStartMs)
        $result.PeakWs = Get-PeakWs
        $result.Gc = @(0..2 | ForEach-Object { $gcAfter[$_] - $gcBefore[$_] })
    }

    'Upload' {
        if ($Side -eq 'Module') { Import-Module $ModulePath; Connect-Veo -BaseUri $api -ApiKey $secure }
        # A small warm-up upload, so that what is measured is the transfer, not loading and compiling code.
        if ($Side -eq 'Module') { $null = Send-VeoImage -LiteralPath $WarmupFilePath }
        else { $null = Invoke-RestMethod -Method Post -Uri "$api/upload-video-image" -Headers $headers -Form @{ file = Get-Item -LiteralPath $WarmupFilePath } }
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $reset = Reset-PeakWs
        $wsBefore = Get-Ws
        $gcBefore = Get-GcCounts
        $sw = [Diagnostics.Stopwatch]::StartNew()
        if ($Side -eq 'Module') { $image = Send-VeoImage -LiteralPath $FilePath; $ok = [bool]$image.ImageUrl }
        else { $r = Invoke-RestMethod -Method Post -Uri "$api/upload-video-image" -Headers $headers -Form @{ file = Get-Item -LiteralPath $FilePath }; $ok = $r.code -eq 0 }
        $result.Ms = $sw.Elapsed.TotalMilliseconds
        $result.Ok = $ok
        $result.Bytes = (Get-Item -LiteralPath $FilePath).Length
        $result.WsBefore = $wsBefore
        $result.PeakWs = Get-PeakWs
        $result.PeakReset = $reset
        $result.Gc = @(0..2 | ForEach-Object { (Get-GcCounts)[$_] - $gcBefore[$_] })
    }

    'Download' {
        if ($Side -eq 'Module') { Import-Module $ModulePath; Connect-Veo -BaseUri $api -ApiKey $secure }
        $status = (Invoke-RestMethod -Uri "$api/video-status/$Uuid" -Headers $headers).data
        $target = Join-Path $OutDir "$Side-$Uuid.mp4"
        # Warm-up: a status request through the same tool (the module's Save-VeoVideo -Uuid makes one itself).
        if ($Side -eq 'Module') { $null = Get-VeoVideoStatus -Uuid $Uuid }
        else { $null = Invoke-WebRequest -Uri "$api/video-status/$Uuid" -Headers $headers }
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $reset = Reset-PeakWs
        $wsBefore = Get-Ws
        $gcBefore = Get-GcCounts
        $sw = [Diagnostics.Stopwatch]::StartNew()
        if ($Side -eq 'Module') { $target = (Save-VeoVideo -Uuid $Uuid -Destination $OutDir -Force).FullName }
        else { $null = Invoke-WebRequest -Uri $status.videoUrl -OutFile $target }
        $result.Ms = $sw.Elapsed.TotalMilliseconds
        $result.Bytes = (Get-Item -LiteralPath $target).Length
        $result.WsBefore = $wsBefore
        $result.PeakWs = Get-PeakWs
        $result.PeakReset = $reset
        $result.Gc = @(0..2 | ForEach-Object { (Get-GcCounts)[$_] - $gcBefore[$_] })
        Remove-Item -LiteralPath $target -Force
    }

    'Batch' {
        $files = @(Get-ChildItem -LiteralPath $ImageFolder -Filter 'img-*.png' | Sort-Object Name)
        $warmup = Join-Path $ImageFolder 'warmup.png'
        if ($Side -ne 'Parallel') {
            Import-Module $ModulePath; Connect-Veo -BaseUri $api -ApiKey $secure
            $null = Send-VeoImage -LiteralPath $warmup | New-VeoVideo -Prompt 'batch warm-up'
            $limit = if ($Side -eq 'One') { @{ ThrottleLimit = 1 } } else { @{} }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $videos = @($files | Send-VeoImage @limit | Tee-Object -Variable images | New-VeoVideo -Prompt 'batch' @limit)
            $result.Ms = $sw.Elapsed.TotalMilliseconds
            # Output order equals input order: images in file order, videos in image order.
            $result.OrderKept = (($images.Path -join '|') -ceq ($files.FullName -join '|')) -and (($videos.ImageKey -join '|') -ceq ($images.ImageKey -join '|'))
            $result.Count = $videos.Count
        } else {
            $up = @{ Method = 'Post'; Uri = "$api/upload-video-image"; Headers = $headers }
            $image = (Invoke-RestMethod @up -Form @{ file = Get-Item -LiteralPath $warmup }).data
            $body = @{ generationType = 'image_to_video'; prompt = 'batch warm-up'; imageUrl = $image.imageUrl; imageKey = $image.imageKey } | ConvertTo-Json -Compress
            $null = Invoke-RestMethod -Method Post -Uri "$api/generate-video" -Headers $headers -ContentType 'application/json' -Body $body
            $sw = [Diagnostics.Stopwatch]::StartNew()
            # What a user writes: each runspace uploads one image, then asks for its video.
            $videos = @($files | ForEach-Object -ThrottleLimit 4 -Parallel {
                $api = $using:api; $headers = $using:headers
                $image = (Invoke-RestMethod -Method Post -Uri "$api/upload-video-image" -Headers $headers -Form @{ file = $_ }).data
                $body = @{ generationType = 'image_to_video'; prompt = 'batch'; imageUrl = $image.imageUrl; imageKey = $image.imageKey } | ConvertTo-Json -Compress
                $video = (Invoke-RestMethod -Method Post -Uri "$api/generate-video" -Headers $headers -ContentType 'application/json' -Body $body).data
                [pscustomobject]@{ Path = $_.FullName; Uuid = $video.uuid }
            })
            $result.Ms = $sw.Elapsed.TotalMilliseconds
            $result.OrderKept = ($videos.Path -join '|') -ceq ($files.FullName -join '|')
            $result.Count = @($videos | Where-Object Uuid).Count
        }
        $result.Images = $files.Count
    }
}

$result | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultPath
