# Starts, drives and stops the Veo 3.1 API emulator as a child process.
# Used by build.ps1 (Demo, Soak, Bench) and by the Pester tests.
Set-StrictMode -Version Latest

$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Get-VeoEmulatorPath {
    $configuration = if ($env:VEO_BUILD_CONFIGURATION) { $env:VEO_BUILD_CONFIGURATION } else { 'Release' }
    $dll = Join-Path $script:RepoRoot "src/Veo31.Emulator/bin/$configuration/net10.0/Veo31.Emulator.dll"
    if (-not (Test-Path -LiteralPath $dll)) { throw "The emulator is not built ($dll). Run ./build.ps1 -Task Build first." }
    $dll
}

function Start-VeoEmulator {
    <# .SYNOPSIS Starts the emulator on free loopback ports and returns its addresses and key. #>
    [CmdletBinding()]
    param([string[]] $ArgumentList = @(), [int] $StartTimeoutSec = 60)

    $logDir = Join-Path ([IO.Path]::GetTempPath()) "veo31-emulator-$([guid]::NewGuid().ToString('n'))"
    $null = New-Item -ItemType Directory -Path $logDir
    $stdout = Join-Path $logDir 'stdout.txt'
    $stderr = Join-Path $logDir 'stderr.txt'
    # Output goes to files, not pipes: a pipe nobody reads would block the emulator once its buffer fills.
    $arguments = @((Get-VeoEmulatorPath), '--urls', 'http://127.0.0.1:0', '--cdn-urls', 'http://127.0.0.1:0', '--parent-pid', $PID) + $ArgumentList
    $process = Start-Process -FilePath (Get-DotnetPath) -ArgumentList $arguments -PassThru -NoNewWindow `
        -RedirectStandardOutput $stdout -RedirectStandardError $stderr
    if ($env:VEO_EMULATOR_PID_FILE) { Add-Content -LiteralPath $env:VEO_EMULATOR_PID_FILE -Value $process.Id }

    $deadline = [DateTime]::UtcNow.AddSeconds($StartTimeoutSec)
    $values = @{}
    # The PROXY line comes only with --proxy-urls (then the emulator prints it after the three others).
    $expected = if (@($ArgumentList | Where-Object { "$_" -eq '--proxy-urls' -or "$_" -like '--proxy-urls=*' }).Count) { 4 } else { 3 }
    while ($values.Count -lt $expected) {
        if ($process.HasExited) {
            throw "The emulator exited with code $($process.ExitCode): $(Get-Content -Raw -LiteralPath $stderr -ErrorAction SilentlyContinue)"
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
            throw "The emulator did not print its address within $StartTimeoutSec s."
        }
        Start-Sleep -Milliseconds 100
        foreach ($line in @(Get-Content -LiteralPath $stdout -ErrorAction SilentlyContinue)) {
            if ($line -match '^VEO_EMULATOR_(API|CDN|KEY|PROXY)=(.+)$') { $values[$Matches[1]] = $Matches[2].Trim() }
        }
    }
    $apiUri = [uri]$values['API']
    [pscustomobject]@{
        PSTypeName = 'Veo31.Test.Emulator'
        Process    = $process
        ApiUri     = $apiUri
        CdnUri     = [uri]$values['CDN']
        ControlUri = [uri]"$($apiUri.GetLeftPart([UriPartial]::Authority))/_emulator"
        ApiKey     = $values['KEY']
        ProxyUri   = if ($values.ContainsKey('PROXY')) { [uri]$values['PROXY'] } else { $null }
        SecureKey  = ConvertTo-SecureString -String $values['KEY'] -AsPlainText -Force
        LogDir     = $logDir
    }
}

function Get-DotnetPath {
    if ($env:DOTNET_HOST_PATH -and (Test-Path -LiteralPath $env:DOTNET_HOST_PATH)) { return $env:DOTNET_HOST_PATH }
    $processPath = [Environment]::ProcessPath
    if ($processPath -and [IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') { return $processPath }
    (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
}

function Stop-VeoEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process {
        if (-not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill($true)
            $null = $Emulator.Process.WaitForExit(10000)
        }
        Remove-Item -LiteralPath $Emulator.LogDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-VeoEmulatorStats {
    param([Parameter(Mandatory)] $Emulator)
    Invoke-RestMethod -Uri "$($Emulator.ControlUri)/stats"
}

function Reset-VeoEmulatorStats {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.ControlUri)/stats/reset"
}

function Add-VeoEmulatorFault {
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Endpoint,
        [Parameter(Mandatory)] [string] $Kind,
        [double] $Rate = 1.0,
        [Nullable[int]] $Count,
        [int] $DelayMs = 0,
        [int] $RetryAfter = 1,
        [string] $Value
    )
    $rule = @{ endpoint = $Endpoint; kind = $Kind; rate = $Rate; delayMs = $DelayMs; retryAfter = $RetryAfter }
    if ($null -ne $Count) { $rule.count = $Count }
    if ($Value) { $rule.value = $Value }
    Invoke-RestMethod -Method Post -Uri "$($Emulator.ControlUri)/faults" -ContentType 'application/json' -Body ($rule | ConvertTo-Json)
}

function Clear-VeoEmulatorFault {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-RestMethod -Method Delete -Uri "$($Emulator.ControlUri)/faults"
}

function Set-VeoEmulatorConfig {
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [hashtable] $Config)
    $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.ControlUri)/config" -ContentType 'application/json' -Body ($Config | ConvertTo-Json)
}

function Set-VeoEmulatorKey {
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Key, [int] $Credits = 1000)
    $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.ControlUri)/keys" -ContentType 'application/json' -Body (@{ key = $Key; credits = $Credits } | ConvertTo-Json)
}

function Get-VeoEmulatorVideoHash {
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Uuid)
    Invoke-RestMethod -Uri "$($Emulator.ControlUri)/videos/$Uuid"
}

Export-ModuleMember -Function Start-VeoEmulator, Stop-VeoEmulator, Get-VeoEmulatorStats, Reset-VeoEmulatorStats,
    Add-VeoEmulatorFault, Clear-VeoEmulatorFault, Set-VeoEmulatorConfig, Set-VeoEmulatorKey, Get-VeoEmulatorVideoHash, Get-DotnetPath
