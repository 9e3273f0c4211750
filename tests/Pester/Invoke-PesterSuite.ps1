# Runs the Pester suite in a fresh pwsh process against the built module and writes a summary file.
# Called by build.ps1 -Task Test; not meant to be run from a session that already imported Veo31.
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SummaryPath
)
# No $ErrorActionPreference here: the tests run in this scope's child and must see PowerShell's defaults.
Import-Module (Resolve-Path -LiteralPath $PesterPath).Path -Force -ErrorAction Stop
$env:VEO_TEST_MODULE_PATH = (Resolve-Path -LiteralPath $ModulePath).Path

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = Join-Path (Split-Path -Parent $SummaryPath) 'pester.xml'
$result = Invoke-Pester -Configuration $configuration

# A container that failed to run (syntax error, failing BeforeAll) counts as failures too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[ordered]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount + $result.NotRunCount } |
    ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
exit ([int]($failed -gt 0))
