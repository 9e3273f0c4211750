<#
.SYNOPSIS
    Azure Automation runbook: finishes the videos earlier runs left behind, then generates new ones.
.DESCRIPTION
    A PowerShell runbook (5.1 or 7.x runtime) for an Automation account that has the Veo31 module imported
    from Veo31.zip (see docs/runbooks.md). It:

      1. reads the API key from the credential asset -CredentialName (the password is the key; the user
         name is not used) with Get-AutomationPSCredential and connects with Connect-Veo -Credential;
      2. resumes from the job journal: every video an earlier run submitted but did not save (the sandbox
         stopped, a timeout, a network failure) is waited for and saved first, so nothing paid for is lost;
      3. submits one video per -Prompt, waits for all of them at once and saves them to -OutputPath.

    In a cloud sandbox (discarded after each job) keep both in Azure Blob Storage: -JournalPath a blob
    ('container/blob' or its URL) and -OutputPath a container ('container/prefix' or its URL, with or without a
    SAS), with the storage connection string in the encrypted Automation variable -StorageVariableName. The
    videos then stream from the CDN straight into block blobs (the sandbox's disk is not used), and the next job,
    on any worker, resumes what this one paid for.

    Terminating errors stop the runbook (-ErrorAction Stop): a bad key, no credits, or a generation whose
    outcome is unknown (GenerationOutcomeUnknown) fail the job visibly instead of half-succeeding. A video
    of an earlier run that failed again is reported and does not stop the new work.

    Every parameter has a default that suits Azure Automation; -BaseUri, -OutputPath and -JournalPath let
    you run the same runbook against the emulator (docs/emulator.md) before it meets the real service.
    Writes one object per saved video: Uuid, Prompt, Path (the file, or the blob's URL without its SAS), Length,
    Resumed.
.PARAMETER Prompt
    The prompts of the videos to generate in this run. Several prompts are generated side by side.
.PARAMETER AspectRatio
    auto, 16:9 or 9:16.
.PARAMETER CredentialName
    The name of the Automation credential asset holding the API key as its password.
.PARAMETER BaseUri
    The API base URI; empty uses the module's default (the real service, or $env:VEO_BASE_URI).
.PARAMETER OutputPath
    Where the videos are saved: a folder (the sandbox's temp folder by default, which is discarded with the
    sandbox), or a blob container: its URL (a SAS in the query, or the storage variable's account), or
    'container/prefix' with -StorageVariableName.
.PARAMETER JournalPath
    The job journal: a file (on a Hybrid Runbook Worker, on a disk that outlives the job), a blob URL (a SAS in the
    query), or 'container/blob' with -StorageVariableName; empty keeps the module's default ($env:VEO_JOURNAL or
    the profile, which a cloud sandbox loses).
.PARAMETER StorageVariableName
    The encrypted Automation variable holding the storage account connection string (Get-AutomationVariable);
    empty for none (SAS URLs carry their own authorisation).
.PARAMETER TimeoutSec
    How long to wait for the videos of this run, in seconds (the job is stopped by Azure after 3 hours).
.PARAMETER PollIntervalSec
    Seconds between status checks. The provider documents no webhook, so completion is found by polling;
    the provider asks for 5 to 10 seconds.
.PARAMETER ModuleName
    The module to import: its name (Automation accounts import by name) or a path to the module folder.
.EXAMPLE
    # In the Automation account: Start-AzAutomationRunbook -Name New-VeoVideoRunbook -Parameters @{ Prompt = 'weekly status intro' }
.EXAMPLE
    # Offline, against the emulator (Get-AutomationPSCredential exists only in Azure; define a stand-in first):
    function Get-AutomationPSCredential { param($Name) [pscredential]::new('veo', (ConvertTo-SecureString 'veo-emulator-key' -AsPlainText -Force)) }
    ./New-VeoVideoRunbook.ps1 -Prompt 'a lighthouse at dawn' -BaseUri http://127.0.0.1:41234/api -OutputPath ./out -JournalPath ./out/journal.jsonl
.EXAMPLE
    # The journal and the videos in Azure Blob Storage (the connection string in the encrypted variable 'VeoStorage'):
    # Start-AzAutomationRunbook -Name New-VeoVideoRunbook -Parameters @{ Prompt = 'weekly status intro'; JournalPath = 'veo-journal/runbook.jsonl'; OutputPath = 'veo-videos/runbook'; StorageVariableName = 'VeoStorage' }
#>
param(
    [string[]] $Prompt = @('weekly status intro'),
    [ValidateSet('auto', '16:9', '9:16')] [string] $AspectRatio = '16:9',
    [string] $CredentialName = 'Veo31',
    [string] $BaseUri,
    [string] $OutputPath = (Join-Path ([IO.Path]::GetTempPath()) 'veo31-videos'),
    [string] $JournalPath,
    [string] $StorageVariableName,
    [int] $TimeoutSec = 3600,
    [double] $PollIntervalSec = 10,
    [string] $ModuleName = 'Veo31'
)

$ErrorActionPreference = 'Stop'

Import-Module $ModuleName

$credential = Get-AutomationPSCredential -Name $CredentialName
$connect = @{ Credential = $credential }
if ($BaseUri) { $connect.BaseUri = $BaseUri }
if ($JournalPath) { $connect.JournalPath = $JournalPath }
if ($StorageVariableName) {
    # The session keeps it as a SecureString for the blob journal and for saving into a container.
    $connect.StorageConnectionString = ConvertTo-SecureString (Get-AutomationVariable -Name $StorageVariableName) -AsPlainText -Force
}
Connect-Veo @connect -ErrorAction Stop

function Save-RunbookVideo {
    # Saves each finished video (a file, or a blob streamed from the CDN) and writes one result object for it
    # (the job's output in Azure Automation).
    param([Parameter(ValueFromPipeline)] $Video, [hashtable] $Prompts, [bool] $Resumed, [string] $OnError)
    process {
        $saved = $Video | Save-VeoVideo -Destination $OutputPath -Force:$Resumed -ErrorAction $OnError
        if ($saved) {
            [pscustomobject]@{
                Uuid    = $Video.Uuid
                Prompt  = $Prompts[$Video.Uuid]
                Path    = if ($saved -is [IO.FileInfo]) { $saved.FullName } else { "$($saved.Uri)" }
                Length  = $saved.Length
                Resumed = $Resumed
            }
        }
    }
}

# 1. Resume: what earlier runs submitted (and paid for) but never saved: the jobs still pending, and the
#    ones that completed while nobody was there to download them. A video that failed or cannot be
#    finished now is reported (non-terminating) and does not stop this run's new work.
$unsaved = @(Get-VeoVideo -Pending) +
    @(Get-VeoVideo | Where-Object { "$($_.Status)" -eq 'Completed' -and -not $_.SavedPath })
if ($unsaved.Count -gt 0) {
    Write-Verbose "Resuming $($unsaved.Count) video(s) from the journal."
    $prompts = @{}; foreach ($video in $unsaved) { $prompts[$video.Uuid] = $video.Prompt }
    $unsaved |
        Wait-VeoVideo -TimeoutSec $TimeoutSec -PollIntervalSec $PollIntervalSec -ErrorAction Continue |
        Save-RunbookVideo -Prompts $prompts -Resumed $true -OnError Continue
}

# 2. New work. New-VeoVideo is never retried by the module when the outcome is unknown: the runbook stops
#    and the journal (Get-VeoVideo) shows what was accepted, so the next run never pays twice.
if ($Prompt) {
    $submitted = @($Prompt | New-VeoVideo -AspectRatio $AspectRatio -ErrorAction Stop)
    Write-Verbose "Submitted $($submitted.Count) video(s): $($submitted.Uuid -join ', ')"
    $prompts = @{}; foreach ($video in $submitted) { $prompts[$video.Uuid] = $video.Prompt }
    $submitted |
        Wait-VeoVideo -TimeoutSec $TimeoutSec -PollIntervalSec $PollIntervalSec -ErrorAction Stop |
        Save-RunbookVideo -Prompts $prompts -Resumed $false -OnError Stop
}
