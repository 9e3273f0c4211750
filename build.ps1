#Requires -Version 7.2
<#
.SYNOPSIS
    The one entry point for building, testing and running Veo31.PowerShell.
.DESCRIPTION
    Build    builds the solution and lays out the importable module in out/Veo31.
    Tasks run at most once per invocation, after what they depend on (Build): -Task Test, Package builds once.
    Test     builds, runs every xUnit project, then Pester against out/Veo31 in a fresh pwsh,
             and ends with one line "N passed, N failed[, N skipped]"; exits non-zero on any failure.
    Demo     starts the emulator and runs the documented pipeline; MP4 files land in out/demo.
    Soak     runs many jobs through the whole pipeline with faults injected and prints the figures
             (-SoakJournal Blob: the journal in an append blob and the videos in a container, on Azurite).
    Bench    runs the side-by-side benchmarks and writes docs/performance.md.
    Package  builds out/Veo31.<version>.nupkg and out/Veo31.zip (Azure Automation layout).
    Mutate   (maintainers) runs Stryker.NET over Core's safety logic with the Core tests (stryker-config.json),
             prints per-file scores and the total, and writes docs/testing.md. Not part of Test; about 25 minutes.
    Everything comes from NuGet (pinned); the PowerShell Gallery is never needed.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    # One task or several (-Task Test, Package, or 'Test,Package' from another shell): each runs at most once, after the
    # tasks it depends on.
    [ArgumentCompletions('Build', 'Test', 'Demo', 'Soak', 'Bench', 'Package', 'Mutate')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Soak: number of jobs (half image-to-video) and the share of requests that meet an injected fault.
    [int] $SoakJobs = 1000,
    [double] $SoakFaultRate = 0.2,
    # Soak: the journal in a file, or in an Azure append blob with the videos in a container (Azurite).
    [ValidateSet('File', 'Blob')]
    [string] $SoakJournal = 'File'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'Veo31'
$ResultsDir = Join-Path $Out 'TestResults'
$PesterVersion = '5.7.1'
$env:VEO_BUILD_CONFIGURATION = $Configuration
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

# The emulator's helpers also give the dotnet host to run tools with (the one running this script when it is
# `dotnet pwsh`). The child processes the tasks start (the Pester run, the soak) read the build configuration and
# the emulator pid file from the environment, their one channel from here.
Import-Module (Join-Path $Root 'tools/VeoEmulator.psm1') -Force
Import-Module (Join-Path $Root 'tools/Azurite.psm1') -Force

function Invoke-Dotnet([string[]] $Arguments) {
    & (Get-DotnetPath) @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $Root 'Directory.Build.props'))
    $version = $props.SelectSingleNode('//VeoModuleVersion').InnerText
    if (-not $version) { throw 'VeoModuleVersion is missing from Directory.Build.props.' }
    $version
}

function Get-PesterModulePath {
    $manifest = Join-Path $Root ".tools/packages/pester/$PesterVersion/tools/Pester.psd1"
    $olderPolly = Join-Path $Root '.tools/packages/polly.core/8.1.0'
    $olderAzureCore = Join-Path $Root '.tools/packages/azure.core/1.44.1'
    if (-not (Test-Path -LiteralPath $manifest) -or -not (Test-Path -LiteralPath $olderPolly) -or -not (Test-Path -LiteralPath $olderAzureCore)) {
        Write-Host "Restoring test tools (Pester $PesterVersion) from NuGet..."
        Invoke-Dotnet @('restore', (Join-Path $Root 'tools/tools.proj'), '--nologo', '--verbosity', 'quiet')
    }
    $manifest
}

function Invoke-BuildTask {
    Write-Host "Building Veo31.PowerShell ($Configuration)..."
    Invoke-Dotnet @('build', (Join-Path $Root 'Veo31.PowerShell.sln'), '--configuration', $Configuration, '--nologo', '--verbosity', 'quiet')
    Install-ModuleLayout
}

function Install-ModuleLayout {
    $bin = Join-Path $Root "src/Veo31.PowerShell/bin/$Configuration/netstandard2.0"
    if (Test-Path -LiteralPath $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies') -Force

    # The module's own assembly sits at the root; everything it depends on goes to Dependencies/, which the
    # assembly resolver loads into a private context so other modules' versions never clash with ours.
    foreach ($file in Get-ChildItem -LiteralPath $bin -File) {
        $target = if ($file.BaseName -eq 'Veo31.PowerShell') { $ModuleOut }
                  elseif ($file.Extension -in '.dll', '.pdb') { $dependencies.FullName }
                  else { $null }
        if ($target) { Copy-Item -LiteralPath $file.FullName -Destination $target }
    }
    foreach ($format in Get-ChildItem -Path (Join-Path $Root 'src/Veo31.PowerShell') -Filter '*.ps1xml' -File) {
        Copy-Item -LiteralPath $format.FullName -Destination $ModuleOut
    }
    $helpGenerator = Join-Path $Root 'tools/New-MamlHelp.ps1'
    if (Test-Path -LiteralPath $helpGenerator) {
        & $helpGenerator -DocsPath (Join-Path $Root 'docs/cmdlets') -OutputPath (Join-Path $ModuleOut 'en-US')
        Copy-Item -Path (Join-Path $Root 'docs/about_*.help.txt') -Destination (Join-Path $ModuleOut 'en-US') -ErrorAction SilentlyContinue
    }

    $manifest = Get-Content -Raw -LiteralPath (Join-Path $Root 'Veo31.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$(Get-ModuleVersion)'"
    Set-Content -LiteralPath (Join-Path $ModuleOut 'Veo31.psd1') -Value $manifest -NoNewline
    Write-Host "Module laid out in $ModuleOut"
}

function Get-TrxCounts {
    param([string] $Directory)
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem -Path $Directory -Filter '*.trx' -File -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -Raw -LiteralPath $trx.FullName)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $totals.Skipped += [int]$counters.notExecuted
    }
    $totals
}

function Invoke-XunitTests {
    $xunitResults = Join-Path $ResultsDir 'xunit'
    $projects = Get-ChildItem -Path (Join-Path $Root 'tests') -Filter '*.Tests.csproj' -Recurse -File
    $crashed = 0
    foreach ($project in $projects) {
        Write-Host "`n== xUnit: $($project.BaseName)"
        & (Get-DotnetPath) test $project.FullName -c $Configuration --no-build --nologo `
            --logger 'console;verbosity=minimal' --logger "trx;LogFileName=$($project.BaseName).trx" --results-directory $xunitResults | Out-Host
        if ($LASTEXITCODE -ne 0 -and -not (Test-Path -LiteralPath (Join-Path $xunitResults "$($project.BaseName).trx"))) {
            Write-Warning "$($project.BaseName) produced no results (exit code $LASTEXITCODE); counted as one failure."
            $crashed++
        }
    }
    $counts = Get-TrxCounts -Directory $xunitResults
    $counts.Failed += $crashed
    $counts
}

function Invoke-PesterTests {
    Write-Host "`n== Pester: tests/Pester against $ModuleOut (fresh pwsh)"
    $summaryPath = Join-Path $ResultsDir 'pester-summary.json'
    $runner = Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'
    & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $runner `
        -PesterPath (Get-PesterModulePath) -ModulePath $ModuleOut -SummaryPath $summaryPath | Out-Host
    if (-not (Test-Path -LiteralPath $summaryPath)) {
        Write-Warning "The Pester run produced no summary (exit code $LASTEXITCODE); counted as one failure."
        return [ordered]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $summary = Get-Content -Raw -LiteralPath $summaryPath | ConvertFrom-Json
    [ordered]@{ Passed = [int]$summary.Passed; Failed = [int]$summary.Failed; Skipped = [int]$summary.Skipped }
}

function Stop-LeftoverEmulators {
    if (-not (Test-Path -LiteralPath $env:VEO_EMULATOR_PID_FILE)) { return }
    foreach ($id in Get-Content -LiteralPath $env:VEO_EMULATOR_PID_FILE) {
        Get-Process -Id $id -ErrorAction SilentlyContinue | Stop-Process -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-TestTask {
    if (Test-Path -LiteralPath $ResultsDir) { Remove-Item -LiteralPath $ResultsDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ResultsDir
    $env:VEO_EMULATOR_PID_FILE = Join-Path $ResultsDir 'emulator-pids.txt'
    # Azurite (npm, pinned in tools/azurite) for the blob journal tests; the tests start and stop it themselves.
    Install-VeoAzurite
    try {
        $xunit = Invoke-XunitTests
        $pester = Invoke-PesterTests
    } finally {
        Stop-LeftoverEmulators
    }
    Write-Host ("`nxUnit: {0} passed, {1} failed, {2} skipped" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped)
    Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $pester.Passed, $pester.Failed, $pester.Skipped)
    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    $line = if ($skipped) { "$passed passed, $failed failed, $skipped skipped" } else { "$passed passed, $failed failed" }
    Write-Host ''
    Write-Host $line
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-DemoTask {
    Import-Module (Join-Path $Root 'tools/SampleImages.psm1') -Force
    $demoDir = Join-Path $Out 'demo'
    if (Test-Path -LiteralPath $demoDir) { Remove-Item -LiteralPath $demoDir -Recurse -Force }
    $imageDir = New-Item -ItemType Directory -Path (Join-Path $demoDir 'images') -Force
    $null = New-VeoSamplePng -Path (Join-Path $imageDir 'harbour.png') -Hue 20
    $null = New-VeoSamplePng -Path (Join-Path $imageDir 'meadow.png') -Hue 140

    $emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '8'
    $savedJournal = $env:VEO_JOURNAL
    try {
        $env:VEO_JOURNAL = Join-Path $demoDir 'journal.jsonl'
        Import-Module $ModuleOut -Force
        Write-Host "Emulator running at $($emulator.ApiUri) (videos served from $($emulator.CdnUri))"
        Connect-Veo -BaseUri $emulator.ApiUri -ApiKey $emulator.SecureKey

        Write-Host "`nGet-ChildItem *.png | Send-VeoImage | New-VeoVideo -Prompt 'slow pan across the scene' | Wait-VeoVideo | Save-VeoVideo"
        $fromImages = Get-ChildItem -Path (Join-Path $imageDir '*.png') |
            Send-VeoImage |
            New-VeoVideo -Prompt 'slow pan across the scene' |
            Wait-VeoVideo -PollIntervalSec 1 |
            Save-VeoVideo -Destination $demoDir
        $fromImages | Format-Table Name, Length, LastWriteTime | Out-Host

        Write-Host "New-VeoVideo -Prompt 'sunset over the ocean' -AspectRatio 16:9 | Wait-VeoVideo | Save-VeoVideo"
        $sunset = New-VeoVideo -Prompt 'sunset over the ocean' -AspectRatio 16:9 | Wait-VeoVideo -PollIntervalSec 1
        $sunset | Format-List Uuid, Status, GenerationType, Prompt, AspectRatio, CreatedAt, VideoUrl | Out-Host
        $null = $sunset | Save-VeoVideo -Destination $demoDir

        Write-Host 'The local job journal (Get-VeoVideo):'
        Get-VeoVideo | Format-Table | Out-Host
        $videos = @(Get-ChildItem -Path (Join-Path $demoDir '*.mp4'))
        Write-Host "$($videos.Count) MP4 files in $demoDir"
        if ($videos.Count -lt 3) { throw "The demo expected 3 videos, found $($videos.Count)." }
    } finally {
        $env:VEO_JOURNAL = $savedJournal
        Stop-VeoEmulator $emulator
    }
}

function Invoke-ScriptTask {
    param([string] $Script, [hashtable] $Parameters = @{})
    # The scripts print their figures; the objects they return are for tests that call them directly.
    $null = & (Join-Path $Root $Script) -ModulePath $ModuleOut @Parameters
}

function Invoke-MutateTask {
    $reportDir = Join-Path $Out 'stryker'
    if (Test-Path -LiteralPath $reportDir) { Remove-Item -LiteralPath $reportDir -Recurse -Force }
    Invoke-Dotnet @('tool', 'restore')
    $watch = [Diagnostics.Stopwatch]::StartNew()
    # Stryker runs from the test project's folder (the solution beside build.ps1 would make it mutate everything).
    Push-Location (Join-Path $Root 'tests/Veo31.Core.Tests')
    try {
        Invoke-Dotnet @('dotnet-stryker', '--config-file', (Join-Path $Root 'stryker-config.json'), '--output', $reportDir)
    } finally {
        Pop-Location
    }
    $watch.Stop()
    $writer = Join-Path $Root 'tests/Veo31.Core.Tests/Mutation/Write-MutationReport.ps1'
    $result = & $writer -ReportPath (Join-Path $reportDir 'reports/mutation-report.json') -OutputPath (Join-Path $Root 'docs/testing.md') `
        -RepositoryRoot $Root -Duration $watch.Elapsed
    $result.Files | Format-Table File, @{ n = 'Score'; e = { '{0:0.0}%' -f $_.Score } }, Killed, Timeout, Survived, NoCoverage, Ignored -AutoSize | Out-Host
    $result.Areas | Format-Table Area, @{ n = 'Score'; e = { '{0:0.0}%' -f $_.Score } }, Detected, Valid, Ignored -AutoSize | Out-Host
    Write-Host ('Mutation score: {0:0.0}% ({1} of {2} detected; {3} ignored by comments in the code) in {4:0} min; docs/testing.md written.' -f `
        $result.Total.Score, $result.Total.Detected, $result.Total.Valid, $result.Total.Ignored, $watch.Elapsed.TotalMinutes)
}

# The task graph: what each task needs first. Every task runs at most once per invocation, so
# -Task Test, Package builds once.
$Tasks = [ordered]@{
    Build   = @{ DependsOn = @(); Run = { Invoke-BuildTask } }
    Test    = @{ DependsOn = @('Build'); Run = { Invoke-TestTask } }
    Demo    = @{ DependsOn = @('Build'); Run = { Invoke-DemoTask } }
    Soak    = @{ DependsOn = @('Build'); Run = { Invoke-ScriptTask -Script 'tests/Soak/Invoke-Soak.ps1' -Parameters @{ Jobs = $SoakJobs; FaultRate = $SoakFaultRate; Storage = $SoakJournal } } }
    Bench   = @{ DependsOn = @('Build'); Run = { Invoke-ScriptTask -Script 'tests/Benchmarks/Invoke-Benchmarks.ps1' } }
    Package = @{ DependsOn = @('Build'); Run = { & (Join-Path $Root 'tools/New-Package.ps1') -ModulePath $ModuleOut -OutputPath $Out -Version (Get-ModuleVersion) } }
    # A maintainer task, not part of Test: Stryker builds what it mutates itself.
    Mutate  = @{ DependsOn = @(); Run = { Invoke-MutateTask } }
}
$done = [Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)

function Invoke-Task([string] $Name) {
    if ($done.Contains($Name)) { return }
    foreach ($dependency in $Tasks[$Name].DependsOn) { Invoke-Task $dependency }
    & $Tasks[$Name].Run
    $null = $done.Add($Name)
}

$requested = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
foreach ($name in $requested) {
    if (-not $Tasks.Contains($name)) { throw "Unknown task '$name'. Tasks: $($Tasks.Keys -join ', ')." }
}
foreach ($name in $requested) { Invoke-Task $name }
