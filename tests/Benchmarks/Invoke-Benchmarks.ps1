<#
.SYNOPSIS
    Side-by-side benchmarks of the built module against what a user would write instead, on the emulator
    over loopback. Prints median figures, ratios and a PASS/MISS table; writes docs/performance.md.
.DESCRIPTION
    Every pair runs ALTERNATELY (A, B, A, B, ...) so drift on the machine hits both sides alike; the figure
    reported is the median of the runs.
      Import    pwsh -NoProfile -Command "Import-Module out/Veo31" vs pwsh -NoProfile -Command exit
      Status    Get-VeoVideoStatus -Uuid vs Invoke-RestMethod (same header), one warm pwsh; and distinct
                uuids piped into one Get-VeoVideoStatus vs an Invoke-RestMethod loop (order verified)
      Wait      Wait-VeoVideo vs a foreach / Invoke-RestMethod / Start-Sleep loop, each in its own pwsh
      WaitAdaptive  the same pair in three harder settings: a rate-limited status endpoint, exact estimatedTime,
                and 200 jobs of 60 to 180 s with noisy estimatedTime (one run per side: the last takes ~4 min a run)
      Upload    Send-VeoImage vs curl -F vs Invoke-RestMethod -Form, one pwsh per run
      Download  Save-VeoVideo vs curl -o vs Invoke-WebRequest -OutFile, one pwsh per run
      Batch     50 images through Send-VeoImage | New-VeoVideo with 150 ms latency on every request: the default
                -ThrottleLimit vs -ThrottleLimit 1 vs ForEach-Object -Parallel -ThrottleLimit 4 with Invoke-RestMethod,
                one pwsh per run; output order verified
    -Quick runs every benchmark small (a smoke run of the harness); its figures are not written to
    docs/performance.md unless -ReportPath is given.
.EXAMPLE
    ./build.ps1 -Task Bench
.EXAMPLE
    ./tests/Benchmarks/Invoke-Benchmarks.ps1 -ModulePath out/Veo31 -Quick
.EXAMPLE
    ./tests/Benchmarks/Invoke-Benchmarks.ps1 -ModulePath out/Veo31 -Only Upload,Download -ReportPath out/perf.md
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [ValidateSet('Import', 'Status', 'Wait', 'WaitAdaptive', 'Upload', 'Download', 'Batch')] [string[]] $Only = @('Import', 'Status', 'Wait', 'WaitAdaptive', 'Upload', 'Download', 'Batch'),
    [string] $ReportPath,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "veo31-bench-$([guid]::NewGuid().ToString('n'))")
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repoRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
Import-Module (Join-Path $repoRoot 'tools/VeoEmulator.psm1') -Force
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$child = Join-Path $PSScriptRoot 'BenchChild.ps1'
$dotnet = Get-DotnetPath
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$gnuTime = if (Test-Path -LiteralPath '/usr/bin/time') { '/usr/bin/time' } else { $null }
$curl = (Get-Command curl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
if (-not $ReportPath -and -not $Quick) { $ReportPath = Join-Path $repoRoot 'docs/performance.md' }

# Sizes and repetitions. The full set keeps ./build.ps1 -Task Bench under about 15 minutes on 2 cores.
$p = if ($Quick) {
    @{ ImportRuns = 3; StatusCalls = 200; StatusRounds = 2; Distinct = 200; WaitJobs = 50; WaitSeconds = 4; WaitInterval = 2; WaitRuns = 1
       UploadBytes = 10MB; UploadRuns = 1; DownloadBytes = 50MB; DownloadRuns = 1; BatchImages = 12; BatchRuns = 1; BatchLatencyMs = 150
       Adaptive = @(
           @{ Name = 'RateLimited'; Jobs = 20; JobSeconds = 6; MaxJobSeconds = 6; Interval = 2; Emulator = @('--rate-limit-status', '10', '--retry-after', '1'); Slack = 2 }
           @{ Name = 'ExactEstimate'; Jobs = 20; JobSeconds = 6; MaxJobSeconds = 6; Interval = 2; Emulator = @('--estimated-time', 'exact'); Slack = 1 }
           @{ Name = 'NoisySpread'; Jobs = 30; JobSeconds = 6; MaxJobSeconds = 15; Interval = 2; Emulator = @('--estimated-time', 'noisy', '--seed', '1'); Slack = 'Max' }) }
} else {
    @{ ImportRuns = 9; StatusCalls = 1000; StatusRounds = 5; Distinct = 1000; WaitJobs = 500; WaitSeconds = 10; WaitInterval = 2; WaitRuns = 2
       UploadBytes = 50MB - 4KB; UploadRuns = 5; DownloadBytes = 500MB; DownloadRuns = 3; BatchImages = 50; BatchRuns = 3; BatchLatencyMs = 150
       # WaitAdaptive: one run per side (the third takes about 4 minutes a run). Slack: intervals allowed after the
       # slowest job, or 'Max' for -MaxPollIntervalSec (its default, 60 s).
       Adaptive = @(
           @{ Name = 'RateLimited'; Jobs = 100; JobSeconds = 30; MaxJobSeconds = 30; Interval = 5; Emulator = @('--rate-limit-status', '10', '--retry-after', '1'); Slack = 2 }
           @{ Name = 'ExactEstimate'; Jobs = 100; JobSeconds = 20; MaxJobSeconds = 20; Interval = 2; Emulator = @('--estimated-time', 'exact'); Slack = 1 }
           @{ Name = 'NoisySpread'; Jobs = 200; JobSeconds = 60; MaxJobSeconds = 180; Interval = 5; Emulator = @('--estimated-time', 'noisy', '--seed', '1'); Slack = 'Max' }) }
}
$defaultMaxPollIntervalSec = 60 # Wait-VeoVideo -MaxPollIntervalSec default

$null = New-Item -ItemType Directory -Path $WorkPath -Force
# A private copy of the module: a build running meanwhile (out/ is rebuilt by every build) cannot pull it away.
$sourceModule = $ModulePath
$ModulePath = Join-Path (New-Item -ItemType Directory -Path (Join-Path $WorkPath 'module') -Force) (Split-Path -Leaf $sourceModule)
Copy-Item -LiteralPath $sourceModule -Destination $ModulePath -Recurse
$results = [ordered]@{}
$targets = [Collections.Generic.List[object]]::new()

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Add-Target([string] $Benchmark, [string] $Target, [string] $Measured, [bool] $Met) {
    $targets.Add([pscustomobject]@{ Benchmark = $Benchmark; Target = $Target; Measured = $Measured; Result = if ($Met) { 'PASS' } else { 'MISS' } })
}

function Invoke-Child([string[]] $Arguments) {
    $resultPath = Join-Path $WorkPath "result-$([guid]::NewGuid().ToString('n')).json"
    $log = Join-Path $WorkPath 'child.log'
    & $dotnet $pwshDll -NoProfile -NonInteractive -File $child -ModulePath $ModulePath -ResultPath $resultPath @Arguments *> $log
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $resultPath)) {
        throw "Benchmark child failed (exit $LASTEXITCODE): $(Get-Content -Raw -LiteralPath $log)"
    }
    $r = Get-Content -Raw -LiteralPath $resultPath | ConvertFrom-Json
    Remove-Item -LiteralPath $resultPath
    $r
}

function Invoke-Timed([string] $FilePath, [string[]] $Arguments) {
    # Wall time by Stopwatch; CPU time (user + system) and peak RSS from GNU time where it exists. On a busy
    # machine the CPU time is the steadier figure.
    $timeFile = Join-Path $WorkPath 'time.txt'
    $sw = [Diagnostics.Stopwatch]::StartNew()
    if ($gnuTime) { $output = & $gnuTime -f '%U %S %M' -o $timeFile $FilePath @Arguments }
    else { $output = & $FilePath @Arguments }
    $ms = $sw.Elapsed.TotalMilliseconds
    $exit = $LASTEXITCODE
    $r = [pscustomobject]@{ Ms = $ms; CpuMs = [double]::NaN; MaxRssKb = [double]::NaN; ExitCode = $exit; Output = $output }
    if ($gnuTime -and (Test-Path -LiteralPath $timeFile)) {
        $f = (Get-Content -LiteralPath $timeFile | Select-Object -Last 1) -split ' '
        $r.CpuMs = ([double]$f[0] + [double]$f[1]) * 1000
        $r.MaxRssKb = [double]$f[2]
        Remove-Item -LiteralPath $timeFile
    }
    $r
}

function New-Jobs($Emulator, [int] $Count, [string] $Prompt) {
    $headers = @{ Authorization = "Bearer $($Emulator.ApiKey)" }
    foreach ($i in 1..$Count) {
        $body = @{ generationType = 'text_to_video'; prompt = "$Prompt #$i" } | ConvertTo-Json -Compress
        (Invoke-RestMethod -Method Post -Uri "$($Emulator.ApiUri)/generate-video" -Headers $headers -ContentType 'application/json' -Body $body).data.uuid
    }
}

function Wait-Completed($Emulator, [string] $Uuid) {
    $headers = @{ Authorization = "Bearer $($Emulator.ApiKey)" }
    while ((Invoke-RestMethod -Uri "$($Emulator.ApiUri)/video-status/$Uuid" -Headers $headers).data.status -ne 'completed') { Start-Sleep -Milliseconds 100 }
}

function Start-StatsSampler($Emulator) {
    # Reads the emulator's counters once a second from a thread of this (parent) process, so the timeline of status
    # requests and 1003 answers costs the measured child nothing.
    Start-ThreadJob -ArgumentList "$($Emulator.ControlUri)/stats" -ScriptBlock {
        param($uri)
        while ($true) {
            try {
                $s = Invoke-RestMethod -Uri $uri
                [pscustomobject]@{ Utc = [DateTime]::UtcNow; Requests = [int]$s.requests.'video-status'; RateLimited = [int]$s.rateLimited.'video-status' }
            } catch { }
            Start-Sleep -Milliseconds 1000
        }
    }
}

function Get-SamplerTimeline($Sampler, [DateTime] $WaitStartUtc, $FinalStats) {
    # Per-second deltas of status requests and 1003 answers, seconds counted from the start of the wait. The final
    # counters (read after the child exited) close the timeline, so a last burst is not lost between two samples.
    Stop-Job $Sampler
    $samples = @(@(Receive-Job $Sampler) + [pscustomobject]@{ Utc = [DateTime]::UtcNow; Requests = [int]$FinalStats.requests.'video-status'; RateLimited = [int]$FinalStats.rateLimited.'video-status' } | Sort-Object Utc)
    Remove-Job $Sampler -Force
    $rows = [Collections.Generic.List[object]]::new()
    for ($i = 1; $i -lt $samples.Count; $i++) {
        $rows.Add([pscustomobject]@{
            T = [Math]::Round(($samples[$i].Utc - $WaitStartUtc).TotalSeconds, 1)
            Requests = $samples[$i].Requests - $samples[$i - 1].Requests
            RateLimited = $samples[$i].RateLimited - $samples[$i - 1].RateLimited
        })
    }
    $rows.ToArray()
}

function Format-Timeline($Rows) {
    # Only the seconds with traffic: "t=+3.0s 12 req (2 x 1003)".
    (@($Rows | Where-Object { $_.Requests -gt 0 } | ForEach-Object {
        if ($_.RateLimited) { '{0:0}s:{1}({2}x1003)' -f $_.T, $_.Requests, $_.RateLimited } else { '{0:0}s:{1}' -f $_.T, $_.Requests }
    }) -join ' ')
}

function Format-Mb([double] $Bytes) { '{0:0.0}' -f ($Bytes / 1MB) }

function Get-TransferSummary($Runs, [string] $Name) {
    $summary = [ordered]@{}
    foreach ($tool in $Runs.Keys) {
        $list = @($Runs[$tool])
        if ($list.Count -eq 0) { continue }
        $mbps = @($list | ForEach-Object { ($_.Bytes / 1MB) / ($_.Ms / 1000) })
        $entry = [ordered]@{ Ms = Get-Median @($list.Ms); MBps = Get-Median $mbps; Bytes = $list[0].Bytes }
        if ($list[0].PSObject.Properties['PeakWs']) {
            $entry.GrowthBytes = Get-Median @($list | ForEach-Object { [Math]::Max(0, $_.PeakWs - $_.WsBefore) })
            $entry.Gc = ($list[-1].Gc -join '/')
        }
        if ($list[0].PSObject.Properties['MaxRssKb']) { $entry.MaxRssBytes = (Get-Median @($list.MaxRssKb)) * 1KB }
        $summary[$tool] = $entry
        $growth = if ($entry.Contains('GrowthBytes')) { ', peak WS growth {0} MB, GC {1}' -f (Format-Mb $entry.GrowthBytes), $entry.Gc }
                  elseif ($entry.Contains('MaxRssBytes')) { ', whole process max RSS {0} MB' -f (Format-Mb $entry.MaxRssBytes) } else { '' }
        Write-Host ('  {0,-6} {1,7:0} ms, {2,7:0.0} MB/s{3}' -f $tool, $entry.Ms, $entry.MBps, $growth)
    }
    $module = $summary.Module
    if ($summary.Contains('Curl')) {
        $ratio = $module.MBps / $summary.Curl.MBps
        Add-Target "$Name, throughput" '>= 0.8x curl' ('{0:0.00}x ({1:0} vs {2:0} MB/s)' -f $ratio, $module.MBps, $summary.Curl.MBps) ($ratio -ge 0.8)
    }
    $other = @($summary.Keys | Where-Object { $_ -notin 'Module', 'Curl' })[0]
    Add-Target "$Name, peak WS growth" '<= 32 MB' ('{0} MB ({1} {2} MB)' -f (Format-Mb $module.GrowthBytes), $other, (Format-Mb $summary[$other].GrowthBytes)) ($module.GrowthBytes -le 32MB)
    $summary
}

# The journal of every child goes to the work folder, not the user's profile.
$savedJournal = $env:VEO_JOURNAL
$env:VEO_JOURNAL = Join-Path $WorkPath 'journal.jsonl'
$emulator = $null
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    # ---------------------------------------------------------------- 1. Import
    if ('Import' -in $Only) {
        Write-Host "`n== Import: $($p.ImportRuns) runs each, alternating"
        $bare = [Collections.Generic.List[object]]::new(); $import = [Collections.Generic.List[object]]::new(); $trivial = [Collections.Generic.List[object]]::new()
        # Reference: a one-function script module, i.e. what Import-Module itself costs before any module code runs.
        $trivialPath = Join-Path (New-Item -ItemType Directory -Path (Join-Path $WorkPath 'trivial/Trivial') -Force) 'Trivial.psd1'
        Set-Content -LiteralPath (Join-Path (Split-Path $trivialPath) 'Trivial.psm1') -Value 'function Get-Trivial { 1 }'
        Set-Content -LiteralPath $trivialPath -Value "@{ RootModule = 'Trivial.psm1'; ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @('Get-Trivial'); CmdletsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }"
        $importCommand = "Import-Module '$ModulePath'"
        $trivialCommand = "Import-Module '$(Split-Path $trivialPath)'"
        $null = & $dotnet $pwshDll -NoProfile -Command $importCommand # warm the file cache once
        for ($i = 0; $i -lt $p.ImportRuns; $i++) {
            $bare.Add((Invoke-Timed $dotnet @($pwshDll, '-NoProfile', '-Command', 'exit')))
            $t = Invoke-Timed $dotnet @($pwshDll, '-NoProfile', '-Command', $importCommand)
            if ($t.ExitCode -ne 0) { throw "Import-Module failed in the child pwsh: $($t.Output)" }
            $import.Add($t)
            $trivial.Add((Invoke-Timed $dotnet @($pwshDll, '-NoProfile', '-Command', $trivialCommand)))
        }
        $r = [ordered]@{ BareMs = Get-Median @($bare.Ms); ImportMs = Get-Median @($import.Ms); BareCpuMs = Get-Median @($bare.CpuMs); ImportCpuMs = Get-Median @($import.CpuMs)
                         TrivialMs = Get-Median @($trivial.Ms); TrivialCpuMs = Get-Median @($trivial.CpuMs) }
        $r.AddedMs = $r.ImportMs - $r.BareMs
        $r.AddedCpuMs = $r.ImportCpuMs - $r.BareCpuMs
        $results.Import = $r
        Write-Host ("bare pwsh {0:0} ms (CPU {3:0} ms), with Import-Module {1:0} ms (CPU {4:0} ms): import adds {2:0} ms wall, {5:0} ms CPU" -f $r.BareMs, $r.ImportMs, $r.AddedMs, $r.BareCpuMs, $r.ImportCpuMs, $r.AddedCpuMs)
        Write-Host ("reference: importing a one-function script module {0:0} ms (CPU {1:0} ms), i.e. adds {2:0} ms" -f $r.TrivialMs, $r.TrivialCpuMs, ($r.TrivialMs - $r.BareMs))
        Add-Target 'Import' 'import adds <= 150 ms' ('{0:0} ms wall, {1:0} ms CPU (a one-function module adds {2:0} ms)' -f $r.AddedMs, $r.AddedCpuMs, ($r.TrivialMs - $r.BareMs)) ($r.AddedMs -le 150)
    }

    # ---------------------------------------------------------------- 2. Status
    if ('Status' -in $Only) {
        Write-Host "`n== Status: $($p.StatusCalls) calls x $($p.StatusRounds) rounds; $($p.Distinct) distinct uuids piped x $($p.StatusRounds) rounds"
        $emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '1', '--credits', '100000'
        $uuids = @(New-Jobs $emulator $p.Distinct 'benchmark status')
        $uuidFile = Join-Path $WorkPath 'uuids.txt'
        Set-Content -LiteralPath $uuidFile -Value $uuids
        Reset-VeoEmulatorStats $emulator
        $s = Invoke-Child @('-Scenario', 'Status', '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-UuidFile', $uuidFile,
            '-Calls', $p.StatusCalls, '-Rounds', $p.StatusRounds)
        $stats = Get-VeoEmulatorStats $emulator
        Stop-VeoEmulator $emulator; $emulator = $null
        $r = [ordered]@{
            Calls = $p.StatusCalls; Distinct = $p.Distinct
            ModuleMsPerCall = (Get-Median @($s.Single.ModuleMs)) / $p.StatusCalls
            IrmMsPerCall = (Get-Median @($s.Single.IrmMs)) / $p.StatusCalls
            PipedModuleMs = Get-Median @($s.Piped.ModuleMs)
            PipedIrmMs = Get-Median @($s.Piped.IrmMs)
            ModuleCpuMsPerCall = (Get-Median @($s.Single.ModuleCpuMs)) / $p.StatusCalls
            IrmCpuMsPerCall = (Get-Median @($s.Single.IrmCpuMs)) / $p.StatusCalls
            PipedModuleCpuMs = Get-Median @($s.Piped.ModuleCpuMs)
            PipedIrmCpuMs = Get-Median @($s.Piped.IrmCpuMs)
            OrderKept = [bool]$s.OrderKept
            PeakConnections = $stats.peakConcurrentConnections
        }
        $r.SingleRatio = $r.IrmMsPerCall / $r.ModuleMsPerCall
        $r.PipedRatio = $r.PipedIrmMs / $r.PipedModuleMs
        $results.Status = $r
        Write-Host ("single: Get-VeoVideoStatus {0:0.00} ms/call (CPU {3:0.00}), Invoke-RestMethod {1:0.00} ms/call (CPU {4:0.00}): module {2:0.00}x" -f $r.ModuleMsPerCall, $r.IrmMsPerCall, $r.SingleRatio, $r.ModuleCpuMsPerCall, $r.IrmCpuMsPerCall)
        Write-Host ("piped {0}: Get-VeoVideoStatus {1:0} ms (CPU {5:0}), Invoke-RestMethod loop {2:0} ms (CPU {6:0}): module {3:0.0}x, order kept: {4}" -f $r.Distinct, $r.PipedModuleMs, $r.PipedIrmMs, $r.PipedRatio, $r.OrderKept, $r.PipedModuleCpuMs, $r.PipedIrmCpuMs)
        Add-Target 'Status, one uuid per call' 'module >= 1.5x faster per call' ('{0:0.00}x ({1:0.00} vs {2:0.00} ms)' -f $r.SingleRatio, $r.ModuleMsPerCall, $r.IrmMsPerCall) ($r.SingleRatio -ge 1.5)
        Add-Target "Status, $($r.Distinct) uuids piped" 'module >= 5x faster, order kept' ('{0:0.0}x ({1:0} vs {2:0} ms), order kept: {3}' -f $r.PipedRatio, $r.PipedModuleMs, $r.PipedIrmMs, $r.OrderKept) ($r.PipedRatio -ge 5 -and $r.OrderKept)
    }

    # ---------------------------------------------------------------- 3. Wait
    if ('Wait' -in $Only) {
        Write-Host "`n== Wait: $($p.WaitJobs) jobs of $($p.WaitSeconds) s, poll every $($p.WaitInterval) s, $($p.WaitRuns) runs each, alternating"
        $emulator = Start-VeoEmulator -ArgumentList '--credits', '1000000'
        $runs = @{ Module = [Collections.Generic.List[object]]::new(); Loop = [Collections.Generic.List[object]]::new() }
        for ($i = 0; $i -lt $p.WaitRuns; $i++) {
            foreach ($side in 'Module', 'Loop') {
                Reset-VeoEmulatorStats $emulator
                $w = Invoke-Child @('-Scenario', 'Wait', '-Side', $side, '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey,
                    '-Jobs', $p.WaitJobs, '-JobSeconds', $p.WaitSeconds, '-PollIntervalSec', $p.WaitInterval)
                $stats = Get-VeoEmulatorStats $emulator
                $w | Add-Member StatusRequests ([int]$stats.requests.'video-status')
                $w | Add-Member PeakConnections ([int]$stats.peakConcurrentConnections)
                $runs[$side].Add($w)
                Write-Host ("  {0,-6} wait {1,7:0} ms (slowest job needed <= {2:0} ms), {3} status requests, {4}/{5} completed, peak WS {6} MB, GC {7}" -f $side, $w.WaitMs,
                    $w.SlowestRemainingMs, $w.StatusRequests, $w.Completed, $w.Jobs, (Format-Mb $w.PeakWs), ($w.Gc -join '/'))
            }
        }
        # Diagnostic, not a target: the same run with a 4 MB gen0 budget. .NET sizes gen0 from the L3 cache, so on a
        # big-cache server most of a short script's heap growth is allocation budget, not live data.
        $smallGen0 = [ordered]@{}
        if (-not $Quick) {
            $env:DOTNET_GCgen0size = '0x400000'
            try {
                foreach ($side in 'Module', 'Loop') {
                    Reset-VeoEmulatorStats $emulator
                    $w = Invoke-Child @('-Scenario', 'Wait', '-Side', $side, '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey,
                        '-Jobs', $p.WaitJobs, '-JobSeconds', $p.WaitSeconds, '-PollIntervalSec', $p.WaitInterval)
                    $smallGen0[$side] = $w.PeakWs
                    Write-Host ("  {0,-6} with DOTNET_GCgen0size=0x400000 (diagnostic): wait {1,7:0} ms, peak WS {2} MB, GC {3}" -f $side, $w.WaitMs, (Format-Mb $w.PeakWs), ($w.Gc -join '/'))
                }
            } finally { Remove-Item Env:DOTNET_GCgen0size }
        }
        Stop-VeoEmulator $emulator; $emulator = $null
        $r = [ordered]@{ Jobs = $p.WaitJobs; JobSeconds = $p.WaitSeconds; IntervalSec = $p.WaitInterval; SmallGen0PeakWs = $smallGen0 }
        foreach ($side in 'Module', 'Loop') {
            $r[$side] = [ordered]@{
                WaitMs = Get-Median @($runs[$side].WaitMs)
                SlowestRemainingMs = Get-Median @($runs[$side].SlowestRemainingMs)
                StatusRequests = Get-Median @($runs[$side].StatusRequests)
                PeakWs = Get-Median @($runs[$side].PeakWs)
                AllCompleted = -not ($runs[$side] | Where-Object { $_.Completed -ne $_.Jobs })
                PeakConnections = Get-Median @($runs[$side].PeakConnections)
            }
        }
        $results.Wait = $r
        $m = $r.Module
        $wallLimit = $m.SlowestRemainingMs + $p.WaitInterval * 1000
        $requestLimit = [Math]::Floor($p.WaitJobs * [Math]::Ceiling($p.WaitSeconds / $p.WaitInterval) * 1.05)
        Write-Host ("Wait-VeoVideo {0:0.0} s, {1} requests, peak WS {2} MB | loop {3:0.0} s, {4} requests, peak WS {5} MB" -f ($m.WaitMs / 1000), $m.StatusRequests,
            (Format-Mb $m.PeakWs), ($r.Loop.WaitMs / 1000), $r.Loop.StatusRequests, (Format-Mb $r.Loop.PeakWs))
        Add-Target 'Wait, wall time' ('<= slowest job + one interval ({0:0.0} s)' -f ($wallLimit / 1000)) ('{0:0.0} s (loop {1:0.0} s)' -f ($m.WaitMs / 1000), ($r.Loop.WaitMs / 1000)) ($m.WaitMs -le $wallLimit -and $m.AllCompleted)
        Add-Target 'Wait, status requests' "<= $requestLimit (jobs x ceil(duration/interval) + 5%)" ('{0} (loop {1})' -f $m.StatusRequests, $r.Loop.StatusRequests) ($m.StatusRequests -le $requestLimit)
        $wsRatio = $m.PeakWs / $r.Loop.PeakWs
        Add-Target 'Wait, peak working set' '<= 1.05x the loop' ('{0:0.00}x ({1} MB, loop {2} MB)' -f $wsRatio, (Format-Mb $m.PeakWs), (Format-Mb $r.Loop.PeakWs)) ($wsRatio -le 1.05)
    }

    # ---------------------------------------------------------------- 3b. WaitAdaptive
    if ('WaitAdaptive' -in $Only) {
        $results.WaitAdaptive = [ordered]@{}
        foreach ($sc in $p.Adaptive) {
            $durationText = if ($sc.MaxJobSeconds -ne $sc.JobSeconds) { "$($sc.JobSeconds) to $($sc.MaxJobSeconds) s" } else { "$($sc.JobSeconds) s" }
            Write-Host "`n== WaitAdaptive $($sc.Name): $($sc.Jobs) jobs of $durationText, poll every $($sc.Interval) s, emulator $($sc.Emulator -join ' '); one run per side"
            $emulator = Start-VeoEmulator -ArgumentList (@('--credits', '1000000') + $sc.Emulator)
            $slackMs = if ($sc.Slack -eq 'Max') { $defaultMaxPollIntervalSec * 1000 } else { $sc.Slack * $sc.Interval * 1000 }
            $r = [ordered]@{ Scenario = $sc; SlackMs = $slackMs }
            foreach ($side in 'Module', 'Loop') {
                Reset-VeoEmulatorStats $emulator
                $sampler = Start-StatsSampler $emulator
                try {
                    $w = Invoke-Child @('-Scenario', 'Wait', '-Side', $side, '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey,
                        '-Jobs', $sc.Jobs, '-JobSeconds', $sc.JobSeconds, '-MaxJobSeconds', $sc.MaxJobSeconds, '-PollIntervalSec', $sc.Interval)
                } catch { Stop-Job $sampler; Remove-Job $sampler -Force; throw }
                $stats = Get-VeoEmulatorStats $emulator
                $timeline = Get-SamplerTimeline $sampler ([DateTime]::Parse($w.WaitStartUtc, [cultureinfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)) $stats
                $w | Add-Member StatusRequests ([int]$stats.requests.'video-status')
                $w | Add-Member RateLimited ([int]$stats.rateLimited.'video-status')
                $w | Add-Member LimitMs ($w.SlowestRemainingMs + $slackMs)
                $w | Add-Member Timeline (Format-Timeline $timeline)
                $r[$side] = $w
                Write-Host ("  {0,-6} wait {1,7:0} ms (slowest job over <= {2:0} ms after the start, limit {3:0} ms), {4} status requests ({5:0.00}/job), {6} x 1003 ({7:0.0}%), {8}/{9} completed, {10} failed, {11} errors, peak WS {12} MB" -f $side, $w.WaitMs,
                    $w.SlowestRemainingMs, $w.LimitMs, $w.StatusRequests, ($w.StatusRequests / $w.Jobs), $w.RateLimited, (100 * $w.RateLimited / [Math]::Max(1, $w.StatusRequests)), $w.Completed, $w.Jobs, $w.Failed, $w.Errors, (Format-Mb $w.PeakWs))
                if ($side -eq 'Module' -and $w.Errors) { Write-Host "         first errors: $($w.ErrorSample -join ' | ')" }
                Write-Host "         status requests per second from the start of the wait: $($w.Timeline)"
            }
            Stop-VeoEmulator $emulator; $emulator = $null
            $results.WaitAdaptive[$sc.Name] = $r
            $m = $r.Module; $l = $r.Loop
            $sideText = { param($x) '{0} failed, {1} requests ({2:0.00}/job), {3} x 1003 ({4:0.0}%), {5:0.0} s (limit {6:0.0} s)' -f $x.Failed, $x.StatusRequests, ($x.StatusRequests / $x.Jobs), $x.RateLimited, (100 * $x.RateLimited / [Math]::Max(1, $x.StatusRequests)), ($x.WaitMs / 1000), ($x.LimitMs / 1000) }
            $wallText = { param($x) '{0:0.0} s (limit {1:0.0} s; loop {2:0.0} s)' -f ($x.WaitMs / 1000), ($x.LimitMs / 1000), ($l.WaitMs / 1000) }
            switch ($sc.Name) {
                'RateLimited' {
                    $label = "Wait, $($sc.Jobs) x $($sc.JobSeconds) s, status limited to 10/s"
                    Add-Target "$label, failed jobs" '0' ('{0} (loop {1})' -f $m.Failed, $l.Failed) ($m.Failed -eq 0)
                    $share = $m.RateLimited / [Math]::Max(1, $m.StatusRequests)
                    Add-Target "$label, 1003 answers" '<= 5% of status requests' ('{0:0.0}% ({1} of {2}; loop {3:0.0}%, {4} of {5})' -f (100 * $share), $m.RateLimited, $m.StatusRequests, (100 * $l.RateLimited / [Math]::Max(1, $l.StatusRequests)), $l.RateLimited, $l.StatusRequests) ($share -le 0.05)
                    Add-Target "$label, wall time" '<= slowest job + 2 intervals' (& $wallText $m) ($m.WaitMs -le $m.LimitMs -and $m.Failed -eq 0)
                }
                'ExactEstimate' {
                    $label = "Wait, $($sc.Jobs) x $($sc.JobSeconds) s, exact estimatedTime"
                    $limit = [Math]::Floor($sc.Jobs * 1.3)
                    Add-Target "$label, status requests" "<= 1.3/job ($limit) and <= the loop" ('{0} ({1:0.00}/job; loop {2})' -f $m.StatusRequests, ($m.StatusRequests / $m.Jobs), $l.StatusRequests) ($m.StatusRequests -le $limit -and $m.StatusRequests -le $l.StatusRequests)
                    Add-Target "$label, wall time" '<= slowest job + 1 interval' (& $wallText $m) ($m.WaitMs -le $m.LimitMs -and $m.Failed -eq 0)
                }
                'NoisySpread' {
                    $label = "Wait, $($sc.Jobs) x $($sc.JobSeconds)-$($sc.MaxJobSeconds) s, noisy estimatedTime"
                    Add-Target "$label, status requests" "<= 4/job ($(4 * $sc.Jobs))" ('{0} ({1:0.00}/job; loop {2})' -f $m.StatusRequests, ($m.StatusRequests / $m.Jobs), $l.StatusRequests) ($m.StatusRequests -le 4 * $sc.Jobs)
                    Add-Target "$label, wall time" "<= slowest job + $defaultMaxPollIntervalSec s (-MaxPollIntervalSec)" (& $wallText $m) ($m.WaitMs -le $m.LimitMs -and $m.Failed -eq 0)
                }
            }
            Write-Host "  Wait-VeoVideo: $(& $sideText $m)"
            Write-Host "  loop:          $(& $sideText $l)"
        }
    }

    # ---------------------------------------------------------------- 4. Upload
    if ('Upload' -in $Only) {
        Write-Host "`n== Upload: a $(Format-Mb $p.UploadBytes) MB PNG, $($p.UploadRuns) runs each, alternating"
        # Invoke-RestMethod -Form sends filename*, which the emulator's strict (RFC 7578) multipart parser refuses.
        $emulator = Start-VeoEmulator -ArgumentList '--strict-multipart', 'false'
        $image = Join-Path $WorkPath 'big.png'
        $warmup = Join-Path $WorkPath 'small.png'
        $png = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        foreach ($f in @(@{ Path = $image; Length = $p.UploadBytes }, @{ Path = $warmup; Length = 64KB })) {
            $stream = [IO.File]::Create($f.Path)
            try { $stream.Write($png, 0, $png.Length); $stream.SetLength($f.Length) } finally { $stream.Dispose() }
        }
        $runs = [ordered]@{ Module = [Collections.Generic.List[object]]::new(); Curl = [Collections.Generic.List[object]]::new(); Irm = [Collections.Generic.List[object]]::new() }
        for ($i = 0; $i -lt $p.UploadRuns; $i++) {
            $runs.Module.Add((Invoke-Child @('-Scenario', 'Upload', '-Side', 'Module', '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-FilePath', $image, '-WarmupFilePath', $warmup)))
            if ($curl) {
                $t = Invoke-Timed $curl @('-sS', '-H', "Authorization: Bearer $($emulator.ApiKey)", '-F', "file=@$image", "$($emulator.ApiUri)/upload-video-image")
                if ($t.ExitCode -ne 0 -or ($t.Output | ConvertFrom-Json).code -ne 0) { throw "curl upload failed: $($t.Output)" }
                $runs.Curl.Add([pscustomobject]@{ Ms = $t.Ms; Bytes = $p.UploadBytes; MaxRssKb = $t.MaxRssKb })
            }
            $runs.Irm.Add((Invoke-Child @('-Scenario', 'Upload', '-Side', 'Irm', '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-FilePath', $image, '-WarmupFilePath', $warmup)))
        }
        Stop-VeoEmulator $emulator; $emulator = $null
        Remove-Item -LiteralPath $image, $warmup -Force
        $results.Upload = Get-TransferSummary $runs 'Upload'
    }

    # ---------------------------------------------------------------- 5. Download
    if ('Download' -in $Only) {
        Write-Host "`n== Download: a $(Format-Mb $p.DownloadBytes) MB video, $($p.DownloadRuns) runs each, alternating"
        $emulator = Start-VeoEmulator -ArgumentList '--video-bytes', $p.DownloadBytes, '--job-seconds', '0.2'
        $uuid = @(New-Jobs $emulator 1 'benchmark download')[0]
        Wait-Completed $emulator $uuid
        $videoUrl = (Invoke-RestMethod -Uri "$($emulator.ApiUri)/video-status/$uuid" -Headers @{ Authorization = "Bearer $($emulator.ApiKey)" }).data.videoUrl
        $outDir = New-Item -ItemType Directory -Path (Join-Path $WorkPath 'downloads') -Force
        $runs = [ordered]@{ Module = [Collections.Generic.List[object]]::new(); Curl = [Collections.Generic.List[object]]::new(); Iwr = [Collections.Generic.List[object]]::new() }
        for ($i = 0; $i -lt $p.DownloadRuns; $i++) {
            $runs.Module.Add((Invoke-Child @('-Scenario', 'Download', '-Side', 'Module', '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-Uuid', $uuid, '-OutDir', $outDir.FullName)))
            if ($curl) {
                $target = Join-Path $outDir.FullName "curl-$uuid.mp4"
                $t = Invoke-Timed $curl @('-sS', '-o', $target, $videoUrl)
                if ($t.ExitCode -ne 0) { throw "curl download failed ($($t.ExitCode))." }
                $bytes = (Get-Item -LiteralPath $target).Length
                Remove-Item -LiteralPath $target -Force
                $runs.Curl.Add([pscustomobject]@{ Ms = $t.Ms; Bytes = $bytes; MaxRssKb = $t.MaxRssKb })
            }
            $runs.Iwr.Add((Invoke-Child @('-Scenario', 'Download', '-Side', 'Iwr', '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-Uuid', $uuid, '-OutDir', $outDir.FullName)))
        }
        Stop-VeoEmulator $emulator; $emulator = $null
        $results.Download = Get-TransferSummary $runs 'Download'
    }

    # ---------------------------------------------------------------- 6. Batch
    if ('Batch' -in $Only) {
        Write-Host "`n== Batch: $($p.BatchImages) images through upload + generate, $($p.BatchLatencyMs) ms latency on every request, $($p.BatchRuns) runs each, alternating"
        # Invoke-RestMethod -Form sends filename*, which the emulator's strict (RFC 7578) multipart parser refuses.
        $emulator = Start-VeoEmulator -ArgumentList '--latency-ms', $p.BatchLatencyMs, '--strict-multipart', 'false', '--credits', '1000000', '--job-seconds', '600'
        $imageFolder = New-Item -ItemType Directory -Path (Join-Path $WorkPath 'batch') -Force
        $sample = Join-Path $repoRoot 'tests/Fixtures/sample.png'
        Copy-Item -LiteralPath $sample -Destination (Join-Path $imageFolder 'warmup.png')
        foreach ($i in 1..$p.BatchImages) { Copy-Item -LiteralPath $sample -Destination (Join-Path $imageFolder ('img-{0:000}.png' -f $i)) }
        $sides = 'Default', 'One', 'Parallel'
        $runs = @{}
        foreach ($side in $sides) { $runs[$side] = [Collections.Generic.List[object]]::new() }
        for ($i = 0; $i -lt $p.BatchRuns; $i++) {
            foreach ($side in $sides) {
                Reset-VeoEmulatorStats $emulator
                $b = Invoke-Child @('-Scenario', 'Batch', '-Side', $side, '-ApiUri', $emulator.ApiUri, '-ApiKey', $emulator.ApiKey, '-ImageFolder', $imageFolder.FullName)
                $stats = Get-VeoEmulatorStats $emulator
                $b | Add-Member Requests ([int]$stats.requests.'upload-video-image' + [int]$stats.requests.'generate-video')
                $runs[$side].Add($b)
                Write-Host ("  {0,-8} {1,7:0} ms, {2}/{3} videos, order kept: {4}, {5} requests" -f $side, $b.Ms, $b.Count, $b.Images, $b.OrderKept, $b.Requests)
            }
        }
        Stop-VeoEmulator $emulator; $emulator = $null
        $r = [ordered]@{ Images = $p.BatchImages; LatencyMs = $p.BatchLatencyMs; DefaultLimit = 4 }
        foreach ($side in $sides) {
            $r[$side] = [ordered]@{
                Ms = Get-Median @($runs[$side].Ms)
                AllCreated = -not ($runs[$side] | Where-Object { $_.Count -ne $_.Images })
                OrderKept = -not ($runs[$side] | Where-Object { -not $_.OrderKept })
            }
        }
        $results.Batch = $r
        $d = $r.Default
        $speedup = $r.One.Ms / $d.Ms
        $vsParallel = $r.Parallel.Ms / $d.Ms
        Write-Host ("default {0:0.00} s, -ThrottleLimit 1 {1:0.00} s ({2:0.00}x), ForEach-Object -Parallel {3:0.00} s ({4:0.00}x); module order kept: {5}" -f ($d.Ms / 1000), ($r.One.Ms / 1000), $speedup, ($r.Parallel.Ms / 1000), $vsParallel, ($d.OrderKept -and $r.One.OrderKept))
        Add-Target "Batch, $($r.Images) images, default vs -ThrottleLimit 1" '>= 3.5x faster' ('{0:0.00}x ({1:0.00} vs {2:0.00} s)' -f $speedup, ($d.Ms / 1000), ($r.One.Ms / 1000)) ($speedup -ge 3.5 -and $d.AllCreated)
        Add-Target "Batch, $($r.Images) images, default vs ForEach-Object -Parallel -ThrottleLimit 4" 'at least as fast' ('{0:0.00}x ({1:0.00} vs {2:0.00} s)' -f $vsParallel, ($d.Ms / 1000), ($r.Parallel.Ms / 1000)) ($vsParallel -ge 1.0 -and $d.AllCreated)
        Add-Target "Batch, output order" 'equal to input order' ('default {0}, -ThrottleLimit 1 {1} (ForEach-Object -Parallel: {2})' -f $d.OrderKept, $r.One.OrderKept, $r.Parallel.OrderKept) ($d.OrderKept -and $r.One.OrderKept)
    }
} finally {
    if ($emulator) { Stop-VeoEmulator $emulator }
    $env:VEO_JOURNAL = $savedJournal
    Remove-Item -LiteralPath $WorkPath -Recurse -Force -ErrorAction SilentlyContinue
}

# ---------------------------------------------------------------- Summary and report
$elapsed = $clock.Elapsed
$memory = if (Test-Path -LiteralPath '/proc/meminfo') {
    $kb = [long]((Select-String -LiteralPath '/proc/meminfo' -Pattern '^MemTotal:\s+(\d+)').Matches[0].Groups[1].Value)
    '{0:0.0} GiB' -f ($kb / 1MB)
} else {
    try { '{0:0.0} GiB' -f ((Get-CimInstance Win32_ComputerSystem).TotalPhysicalMemory / 1GB) } catch { 'unknown' }
}
$machine = [ordered]@{
    Date    = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
    OS      = [Runtime.InteropServices.RuntimeInformation]::OSDescription
    Cores   = [Environment]::ProcessorCount
    Memory  = $memory
    PowerShell = "$($PSVersionTable.PSVersion)"
    DotNet  = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    Curl    = if ($curl) { (& $curl --version | Select-Object -First 1) -replace '^(curl \S+).*$', '$1' } else { 'not installed' }
    Commit  = (& git -C $repoRoot rev-parse --short HEAD 2>$null)
}
Write-Host "`n== Results ($(if ($Quick) { 'QUICK smoke run, small sizes' } else { 'full run' }); $('{0:0.0}' -f $elapsed.TotalMinutes) min)"
Write-Host (($machine.GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }) -join '; ')
$width = @{ B = 2 + ($targets.Benchmark | Measure-Object -Maximum -Property Length).Maximum; T = 2 + ($targets.Target | Measure-Object -Maximum -Property Length).Maximum }
Write-Host ("{0,-$($width.B)}{1,-$($width.T)}{2}" -f 'Benchmark', 'Target', 'Result  Measured (median)')
foreach ($t in $targets) { Write-Host ("{0,-$($width.B)}{1,-$($width.T)}{2,-8}{3}" -f $t.Benchmark, $t.Target, $t.Result, $t.Measured) }

if ($ReportPath) {
    $md = [Text.StringBuilder]::new()
    function Add-Line([string] $Text = '') { $null = $md.AppendLine($Text) }
    Add-Line '# Performance'
    Add-Line
    Add-Line 'Side-by-side figures for the module against what a user would write instead, measured by'
    Add-Line '`./build.ps1 -Task Bench` (`tests/Benchmarks/Invoke-Benchmarks.ps1`) against the emulator on loopback.'
    Add-Line 'They are figures, not tests: nothing in the test suite asserts on timing. Regenerate this page with the'
    Add-Line 'command above; it is written by the benchmark script.'
    Add-Line
    Add-Line '## Machine'
    Add-Line
    Add-Line '| | |'
    Add-Line '|---|---|'
    foreach ($k in $machine.Keys) { Add-Line "| $k | $($machine[$k]) |" }
    Add-Line "| Run | $(if ($Quick) { 'quick (small sizes)' } else { 'full' }), $('{0:0.0}' -f $elapsed.TotalMinutes) min for the benchmarks (build not included) |"
    Add-Line
    Add-Line '## Targets'
    Add-Line
    Add-Line '| benchmark | target | measured (median) | result |'
    Add-Line '|---|---|---|---|'
    foreach ($t in $targets) { Add-Line "| $($t.Benchmark) | $($t.Target) | $($t.Measured) | $($t.Result) |" }
    Add-Line
    Add-Line '## Figures'
    Add-Line
    if ($results.Contains('Import')) {
        $r = $results.Import
        Add-Line "**Module import** (whole process wall time, median of $($p.ImportRuns) runs each, alternating)"
        Add-Line
        Add-Line '| command | ms |'
        Add-Line '|---|---:|'
        Add-Line ('| `pwsh -NoProfile -Command exit` | {0:0} |' -f $r.BareMs)
        Add-Line ('| `pwsh -NoProfile -Command "Import-Module out/Veo31"` | {0:0} |' -f $r.ImportMs)
        Add-Line ('| import adds | {0:0} |' -f $r.AddedMs)
        Add-Line ('| reference: `Import-Module` of a one-function script module | {0:0} (adds {1:0}) |' -f $r.TrivialMs, ($r.TrivialMs - $r.BareMs))
        Add-Line
        Add-Line ('CPU time (user + system, GNU time) of the same runs: {0:0} ms bare, {1:0} ms with Veo31 ({2:0} ms added), {3:0} ms with the one-function module.' -f $r.BareCpuMs, $r.ImportCpuMs, $r.AddedCpuMs, $r.TrivialCpuMs)
        Add-Line
    }
    if ($results.Contains('Status')) {
        $r = $results.Status
        Add-Line "**Status calls** (one warm pwsh, $($p.StatusRounds) alternating rounds, median)"
        Add-Line
        Add-Line '| case | module | Invoke-RestMethod | module faster by |'
        Add-Line '|---|---:|---:|---:|'
        Add-Line ('| {0:N0} x `Get-VeoVideoStatus -Uuid $u` | {1:0.00} ms/call | {2:0.00} ms/call | {3:0.00}x |' -f $r.Calls, $r.ModuleMsPerCall, $r.IrmMsPerCall, $r.SingleRatio)
        Add-Line ('| {0:N0} distinct uuids piped into one `Get-VeoVideoStatus` vs a sequential loop | {1:0} ms | {2:0} ms | {3:0.0}x |' -f $r.Distinct, $r.PipedModuleMs, $r.PipedIrmMs, $r.PipedRatio)
        Add-Line
        Add-Line ('CPU time of the pwsh process over the same rounds: {0:0.00} vs {1:0.00} ms per call; {2:0} vs {3:0} ms piped.' -f $r.ModuleCpuMsPerCall, $r.IrmCpuMsPerCall, $r.PipedModuleCpuMs, $r.PipedIrmCpuMs)
        Add-Line "Output order equals input order on every round: $($r.OrderKept)."
        Add-Line
    }
    if ($results.Contains('Wait')) {
        $r = $results.Wait
        Add-Line ("**Waiting** ({0} jobs of {1} s, poll interval {2} s; each side in its own pwsh; median of {3} runs each, alternating)" -f $r.Jobs, $r.JobSeconds, $r.IntervalSec, $p.WaitRuns)
        Add-Line
        Add-Line '| | wall time | slowest job needed at most | status requests | peak working set | all completed |'
        Add-Line '|---|---:|---:|---:|---:|---|'
        Add-Line ('| `Wait-VeoVideo -PollIntervalSec {0}` | {1:0.0} s | {2:0.0} s | {3} | {4} MB | {5} |' -f $r.IntervalSec, ($r.Module.WaitMs / 1000), ($r.Module.SlowestRemainingMs / 1000), $r.Module.StatusRequests, (Format-Mb $r.Module.PeakWs), $r.Module.AllCompleted)
        Add-Line ('| foreach job: `Invoke-RestMethod` + `Start-Sleep {0}` until completed | {1:0.0} s | {2:0.0} s | {3} | {4} MB | {5} |' -f $r.IntervalSec, ($r.Loop.WaitMs / 1000), ($r.Loop.SlowestRemainingMs / 1000), $r.Loop.StatusRequests, (Format-Mb $r.Loop.PeakWs), $r.Loop.AllCompleted)
        if ($r.SmallGen0PeakWs.Count) {
            Add-Line
            Add-Line ('Diagnostic (one more run each, `DOTNET_GCgen0size=0x400000`, i.e. a 4 MB gen0 budget): peak working set {0} MB with `Wait-VeoVideo`, {1} MB with the loop.' -f (Format-Mb $r.SmallGen0PeakWs.Module), (Format-Mb $r.SmallGen0PeakWs.Loop))
        }
        Add-Line
    }
    if ($results.Contains('WaitAdaptive')) {
        Add-Line '**Waiting, harder settings** (each side in its own pwsh; ONE run per side, module first: the 200-job case takes about 4 minutes a run)'
        Add-Line
        Add-Line 'Wall time is from the start of the wait (all jobs created) until the last job is out. "Limit" is the time from the'
        Add-Line 'start of the wait until the slowest job is over at the latest (the moment its creation answer arrived, plus its'
        Add-Line 'duration), plus the slack of the target. Requests and 1003 answers are the emulator''s `video-status` counters.'
        Add-Line
        Add-Line '| setting | side | failed jobs | status requests | per job | 1003 answers | wall time | limit | peak working set |'
        Add-Line '|---|---|---:|---:|---:|---:|---:|---:|---:|'
        foreach ($name in $results.WaitAdaptive.Keys) {
            $r = $results.WaitAdaptive[$name]; $sc = $r.Scenario
            $durationText = if ($sc.MaxJobSeconds -ne $sc.JobSeconds) { "$($sc.JobSeconds)-$($sc.MaxJobSeconds) s" } else { "$($sc.JobSeconds) s" }
            $setting = '{0} jobs of {1}, `-PollIntervalSec {2}`, emulator `{3}`' -f $sc.Jobs, $durationText, $sc.Interval, ($sc.Emulator -join ' ')
            foreach ($side in 'Module', 'Loop') {
                $x = $r[$side]
                $who = if ($side -eq 'Module') { '`Wait-VeoVideo`' } else { 'foreach job: `Invoke-RestMethod` + `Start-Sleep`' }
                Add-Line ('| {0} | {1} | {2} | {3} | {4:0.00} | {5} ({6:0.0}%) | {7:0.0} s | {8:0.0} s | {9} MB |' -f $(if ($side -eq 'Module') { $setting } else { '' }), $who, $x.Failed,
                    $x.StatusRequests, ($x.StatusRequests / $x.Jobs), $x.RateLimited, (100 * $x.RateLimited / [Math]::Max(1, $x.StatusRequests)), ($x.WaitMs / 1000), ($x.LimitMs / 1000), (Format-Mb $x.PeakWs))
            }
        }
        Add-Line
        Add-Line 'The loop treats a failed request (e.g. HTTP 429) as a script with the default `$ErrorActionPreference` does: an'
        Add-Line 'error, then the next poll one interval later. Slack: 2 intervals with the rate limit, 1 interval with exact'
        Add-Line "estimatedTime, -MaxPollIntervalSec (default $defaultMaxPollIntervalSec s) with noisy estimatedTime."
        Add-Line
    }
    foreach ($name in 'Upload', 'Download') {
        if (-not $results.Contains($name)) { continue }
        $r = $results[$name]
        $runsCount = if ($name -eq 'Upload') { $p.UploadRuns } else { $p.DownloadRuns }
        $label = @{
            Upload = @{ Module = '`Send-VeoImage`'; Curl = '`curl -F file=@...`'; Irm = '`Invoke-RestMethod -Form`' }
            Download = @{ Module = '`Save-VeoVideo`'; Curl = '`curl -o`'; Iwr = '`Invoke-WebRequest -OutFile`' }
        }[$name]
        Add-Line ("**{0}** ({1} MB; median of {2} runs each, alternating; pwsh sides in a fresh pwsh per run)" -f $name, (Format-Mb $r.Module.Bytes), $runsCount)
        Add-Line
        Add-Line '| tool | time | throughput | peak working set growth |'
        Add-Line '|---|---:|---:|---:|'
        foreach ($tool in $r.Keys) {
            $growth = if ($r[$tool].Contains('GrowthBytes')) { '{0} MB' -f (Format-Mb $r[$tool].GrowthBytes) }
                      elseif ($r[$tool].Contains('MaxRssBytes')) { 'n/a (own process: max RSS {0} MB)' -f (Format-Mb $r[$tool].MaxRssBytes) } else { 'n/a' }
            Add-Line ('| {0} | {1:0} ms | {2:0.0} MB/s | {3} |' -f $label[$tool], $r[$tool].Ms, $r[$tool].MBps, $growth)
        }
        Add-Line
    }
    if ($results.Contains('Batch')) {
        $r = $results.Batch
        Add-Line ('**Batch** ({0} images through upload then generate, {1} ms of latency on every request (`--latency-ms`); each side in a fresh pwsh, after a warm-up upload and generation; median of {2} runs each, alternating)' -f $r.Images, $r.LatencyMs, $p.BatchRuns)
        Add-Line
        Add-Line '| pipeline | wall time | vs the default | every video created | output in input order |'
        Add-Line '|---|---:|---:|---|---|'
        Add-Line ('| `Get-ChildItem \| Send-VeoImage \| New-VeoVideo` (default `-ThrottleLimit {0}`) | {1:0.00} s | 1.00x | {2} | {3} |' -f $r.DefaultLimit, ($r.Default.Ms / 1000), $r.Default.AllCreated, $r.Default.OrderKept)
        Add-Line ('| the same at `-ThrottleLimit 1` | {0:0.00} s | {1:0.00}x slower | {2} | {3} |' -f ($r.One.Ms / 1000), ($r.One.Ms / $r.Default.Ms), $r.One.AllCreated, $r.One.OrderKept)
        Add-Line ('| `ForEach-Object -Parallel -ThrottleLimit 4 {{ Invoke-RestMethod -Form ...; Invoke-RestMethod -Method Post ... }}` | {0:0.00} s | {1:0.00}x slower | {2} | {3} |' -f ($r.Parallel.Ms / 1000), ($r.Parallel.Ms / $r.Default.Ms), $r.Parallel.AllCreated, $r.Parallel.OrderKept)
        Add-Line
    }
    $notes = Join-Path $PSScriptRoot 'performance-notes.md'
    if (Test-Path -LiteralPath $notes) { Add-Line (Get-Content -Raw -LiteralPath $notes).TrimEnd() }
    Set-Content -LiteralPath $ReportPath -Value $md.ToString().TrimEnd() -Encoding utf8
    Write-Host "Wrote $ReportPath"
}
[pscustomobject]@{ Machine = $machine; Results = $results; Targets = $targets.ToArray() } | Out-Null
