# The samples in docs/samples do what docs/runbooks.md says, against the emulator.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Samples = Join-Path $RepoRoot 'docs/samples'
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $script:SavedEnvironment = @{}
    foreach ($name in 'VEO_API_KEY', 'VEO_BASE_URI', 'VEO_JOURNAL') { $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Test-Mp4 ([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $bytes.Length -gt 8 -and [Text.Encoding]::ASCII.GetString($bytes, 4, 4) -eq 'ftyp'
    }
}

AfterAll {
    Remove-Item Function:\global:Get-AutomationPSCredential -ErrorAction SilentlyContinue
    Disconnect-Veo -ErrorAction SilentlyContinue
    foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
}

Describe 'docs/samples/New-VeoVideoRunbook.ps1 (Azure Automation)' {
    BeforeAll {
        # Get-AutomationPSCredential exists only inside Azure Automation: a stand-in that records what was asked.
        $global:VeoRunbookCredentialRequests = [System.Collections.Generic.List[string]]::new()
        $key = $Emulator.SecureKey
        $global:VeoRunbookCredential = [pscredential]::new('automation-user', $key)
        function global:Get-AutomationPSCredential {
            param([Parameter(Mandatory)] [string] $Name)
            $global:VeoRunbookCredentialRequests.Add($Name)
            $global:VeoRunbookCredential
        }
        $script:Output = Join-Path $TestDrive 'runbook-videos'
        $script:Journal = Join-Path $TestDrive 'runbook-journal.jsonl'
    }
    AfterAll {
        Remove-Variable -Scope Global -Name VeoRunbookCredentialRequests, VeoRunbookCredential -ErrorAction SilentlyContinue
    }

    It 'resumes the work an earlier run left in the journal, then generates and saves the new videos' {
        # An earlier run submitted (and paid for) a video, then the sandbox was recycled before it was saved.
        $env:VEO_JOURNAL = $Journal
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        $orphan = New-VeoVideo -Prompt 'left behind by the last run'
        Disconnect-Veo
        Remove-Item Env:VEO_JOURNAL
        Reset-VeoEmulatorStats $Emulator

        $results = @(& (Join-Path $Samples 'New-VeoVideoRunbook.ps1') -Prompt 'weekly status intro', 'a lighthouse at dawn' `
                -BaseUri "$($Emulator.ApiUri)" -OutputPath $Output -JournalPath $Journal -PollIntervalSec 0.2 -ModuleName $ModulePath)

        @($global:VeoRunbookCredentialRequests) | Should -Be @('Veo31')
        $results.Count | Should -Be 3
        $resumed = @($results | Where-Object Resumed)
        $resumed.Count | Should -Be 1
        $resumed[0].Uuid | Should -Be $orphan.Uuid
        $resumed[0].Prompt | Should -Be 'left behind by the last run'
        @($results | Where-Object { -not $_.Resumed }).Prompt | Sort-Object | Should -Be @('a lighthouse at dawn', 'weekly status intro')
        foreach ($result in $results) {
            Test-Path -LiteralPath $result.Path | Should -BeTrue
            (Split-Path -Parent $result.Path) | Should -Be (Resolve-Path -LiteralPath $Output).Path
            Test-Mp4 $result.Path | Should -BeTrue
            $result.Length | Should -Be (Get-Item -LiteralPath $result.Path).Length
            $hash = Get-VeoEmulatorVideoHash -Emulator $Emulator -Uuid $result.Uuid
            (Get-FileHash -LiteralPath $result.Path -Algorithm SHA256).Hash | Should -Be $hash.sha256.ToUpperInvariant()
        }
        @(Get-ChildItem -LiteralPath $Output -Filter '*.mp4').Count | Should -Be 3

        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 2 -Because 'the resumed video is not generated again'
        $stats.duplicateCharges | Should -Be 0
        @($stats.cdnAuthorizationHeaders).Count | Should -Be 0

        $env:VEO_JOURNAL = $Journal
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        @(Get-VeoVideo -Pending).Count | Should -Be 0
        @(Get-VeoVideo | Where-Object { -not $_.SavedPath }).Count | Should -Be 0
    }

    It 'does nothing twice: a second run with no prompt finds nothing to resume and generates nothing' {
        Reset-VeoEmulatorStats $Emulator
        $results = @(& (Join-Path $Samples 'New-VeoVideoRunbook.ps1') -Prompt @() -BaseUri "$($Emulator.ApiUri)" `
                -OutputPath $Output -JournalPath $Journal -PollIntervalSec 0.2 -ModuleName $ModulePath)
        $results.Count | Should -Be 0
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 0
        $stats.requests.'video-status' | Should -Be 0
    }

    It 'stops the job with the error id when the credential holds a wrong key' {
        $global:VeoRunbookCredential = [pscredential]::new('automation-user', (ConvertTo-SecureString 'not-the-key' -AsPlainText -Force))
        try {
            $record = $null
            try {
                & (Join-Path $Samples 'New-VeoVideoRunbook.ps1') -Prompt 'never made' -BaseUri "$($Emulator.ApiUri)" `
                    -OutputPath (Join-Path $TestDrive 'wrong-key') -JournalPath (Join-Path $TestDrive 'wrong-key.jsonl') -PollIntervalSec 0.2 -ModuleName $ModulePath
            } catch { $record = $_ }
            $record | Should -Not -BeNullOrEmpty
            $record.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
        } finally {
            $global:VeoRunbookCredential = [pscredential]::new('automation-user', $Emulator.SecureKey)
        }
    }
}

Describe 'docs/samples/New-VeoVideoRunbook.ps1 with the journal and the videos in Azure Blob Storage (Azurite)' {
    BeforeAll {
        Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
        $script:Azurite = Start-VeoAzurite
        # Stand-ins for the Automation assets: the API key credential and the encrypted storage variable.
        $global:VeoRunbookCredential = [pscredential]::new('automation-user', $Emulator.SecureKey)
        function global:Get-AutomationPSCredential { param([Parameter(Mandatory)] [string] $Name) $global:VeoRunbookCredential }
        $global:VeoRunbookStorage = $Azurite.ConnectionString
        $global:VeoRunbookVariableRequests = [System.Collections.Generic.List[string]]::new()
        function global:Get-AutomationVariable {
            param([Parameter(Mandatory)] [string] $Name)
            $global:VeoRunbookVariableRequests.Add($Name)
            $global:VeoRunbookStorage
        }
        $script:BlobJournal = 'veo-journal/runbook.jsonl'
        $script:BlobOutput = 'veo-videos/runbook'
        $script:Sandbox = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sandbox')
    }
    AfterAll {
        Remove-Item Function:\global:Get-AutomationVariable -ErrorAction SilentlyContinue
        Remove-Variable -Scope Global -Name VeoRunbookCredential, VeoRunbookStorage, VeoRunbookVariableRequests -ErrorAction SilentlyContinue
        Disconnect-Veo -ErrorAction SilentlyContinue
        if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
    }

    It 'resumes what a job in another sandbox paid for and streams every video into the container, not to the disk' {
        # An earlier job (another sandbox, long gone) submitted a video and was unloaded before saving it.
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $BlobJournal `
            -StorageConnectionString (ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force)
        $orphan = New-VeoVideo -Prompt 'left behind in another sandbox'
        Disconnect-Veo
        Reset-VeoEmulatorStats $Emulator

        Push-Location -LiteralPath $Sandbox
        try {
            $results = @(& (Join-Path $Samples 'New-VeoVideoRunbook.ps1') -Prompt 'weekly status intro', 'a lighthouse at dawn' `
                    -BaseUri "$($Emulator.ApiUri)" -OutputPath $BlobOutput -JournalPath $BlobJournal -StorageVariableName 'VeoStorage' `
                    -PollIntervalSec 0.2 -ModuleName $ModulePath)
        } finally { Pop-Location }

        @($global:VeoRunbookVariableRequests) | Should -Be @('VeoStorage')
        $results.Count | Should -Be 3
        @($results | Where-Object Resumed).Uuid | Should -Be $orphan.Uuid
        foreach ($result in $results) {
            $result.Path | Should -Be "$($Azurite.BlobEndpoint)/$BlobOutput/$($result.Uuid).mp4"
            $blob = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$BlobOutput/$($result.Uuid).mp4"
            $blob.StatusCode | Should -Be 200
            $bytes = $blob.RawContentStream.ToArray()
            $result.Length | Should -Be $bytes.Length
            $sha = [Security.Cryptography.SHA256]::Create()
            try { $hash = ([BitConverter]::ToString($sha.ComputeHash($bytes)) -replace '-').ToLowerInvariant() } finally { $sha.Dispose() }
            $hash | Should -Be (Get-VeoEmulatorVideoHash -Emulator $Emulator -Uuid $result.Uuid).sha256
        }
        @(Get-ChildItem -LiteralPath $Sandbox -Recurse -Force).Count | Should -Be 0 -Because 'nothing is written to the sandbox disk'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 2 -Because 'the resumed video is not generated again'
        @($stats.cdnAuthorizationHeaders).Count | Should -Be 0

        # The next job, anywhere, finds nothing left to do.
        Reset-VeoEmulatorStats $Emulator
        $again = @(& (Join-Path $Samples 'New-VeoVideoRunbook.ps1') -Prompt @() -BaseUri "$($Emulator.ApiUri)" -OutputPath $BlobOutput `
                -JournalPath $BlobJournal -StorageVariableName 'VeoStorage' -PollIntervalSec 0.2 -ModuleName $ModulePath)
        $again.Count | Should -Be 0
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $BlobJournal `
            -StorageConnectionString (ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force)
        @(Get-VeoVideo | Where-Object { -not $_.SavedPath }).Count | Should -Be 0
        @(Get-VeoVideo).SavedPath | ForEach-Object { $_ | Should -BeLike "$($Azurite.BlobEndpoint)/$BlobOutput/*" }
    }
}

Describe 'docs/samples/Convert-ImageFolderToVideo.ps1 (nightly)' {
    BeforeAll {
        $script:Images = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'images')
        Copy-Item -Path (Join-Path $FixturesPath 'sample.png'), (Join-Path $FixturesPath 'sample.jpg'), (Join-Path $FixturesPath 'sample.webp') -Destination $Images
        $null = New-VeoSamplePng -Path (Join-Path $Images 'harbour.png') -Hue 20
        Set-Content -LiteralPath (Join-Path $Images 'notes.txt') -Value 'not an image, not picked up'
        $script:Videos = Join-Path $TestDrive 'nightly-videos'
        $script:NightlyJournal = Join-Path $TestDrive 'nightly-journal.jsonl'
        $env:VEO_API_KEY = $Emulator.ApiKey
        $script:Run = {
            & (Join-Path $Samples 'Convert-ImageFolderToVideo.ps1') -ImagePath $Images -OutputPath $Videos -JournalPath $NightlyJournal `
                -BaseUri "$($Emulator.ApiUri)" -PollIntervalSec 0.2 -ModuleName $ModulePath -Prompt 'slow pan across the scene'
        }
    }

    It 'first night: turns every image into a video named after it' {
        Reset-VeoEmulatorStats $Emulator
        $results = @(& $Run)
        $results.Count | Should -Be 4
        @($results | Where-Object Action -eq 'Created').Count | Should -Be 4
        $names = @(Get-ChildItem -LiteralPath $Videos -Filter '*.mp4' | Sort-Object Name).Name
        $names | Should -Be @('harbour.mp4', 'sample-jpg.mp4', 'sample-png.mp4', 'sample-webp.mp4')
        foreach ($result in $results) { Test-Mp4 $result.Video | Should -BeTrue }
        # No index of its own: the provenance file beside each video says where it came from.
        $provenance = Get-Content -Raw -LiteralPath (Join-Path $Videos 'harbour.mp4.json') | ConvertFrom-Json
        $provenance.sourceImage.name | Should -Be 'harbour.png'
        $provenance.sourceImage.sha256 | Should -Be (Get-FileHash -LiteralPath (Join-Path $Images 'harbour.png')).Hash.ToLowerInvariant()
        Test-Path -LiteralPath (Join-Path $Videos 'veo31-images.json') | Should -BeFalse
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'upload-video-image' | Should -Be 4
        $stats.generations | Should -Be 4
        $stats.duplicateCharges | Should -Be 0
    }

    It 'second night: nothing new, so nothing is uploaded, generated or downloaded' {
        Reset-VeoEmulatorStats $Emulator
        $before = @(Get-ChildItem -LiteralPath $Videos -Filter '*.mp4' | ForEach-Object { "$($_.Name)|$($_.LastWriteTimeUtc.Ticks)" })
        $results = @(& $Run)
        $results.Count | Should -Be 4
        @($results | Where-Object Action -ne 'Skipped').Count | Should -Be 0
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'upload-video-image' | Should -Be 0
        $stats.requests.'generate-video' | Should -Be 0
        $stats.requests.'video-status' | Should -Be 0
        $stats.requests.'cdn-video' | Should -Be 0
        @(Get-ChildItem -LiteralPath $Videos -Filter '*.mp4' | ForEach-Object { "$($_.Name)|$($_.LastWriteTimeUtc.Ticks)" }) | Should -Be $before
    }

    It 'third night: only the new image and the changed image are sent; a broken image is reported, not fatal' {
        $null = New-VeoSamplePng -Path (Join-Path $Images 'meadow.png') -Hue 140
        $null = New-VeoSamplePng -Path (Join-Path $Images 'harbour.png') -Hue 200
        Copy-Item -LiteralPath (Join-Path $FixturesPath 'not-an-image.png') -Destination $Images
        Reset-VeoEmulatorStats $Emulator
        $results = @(& $Run 3>$null)
        $byImage = @{}; foreach ($r in $results) { $byImage[$r.Image] = $r }
        $byImage['meadow.png'].Action | Should -Be 'Created'
        $byImage['harbour.png'].Action | Should -Be 'Created'
        $byImage['not-an-image.png'].Action | Should -Be 'Failed'
        $byImage['not-an-image.png'].Error | Should -BeLike 'ImageFormatNotSupported*'
        foreach ($name in 'sample.png', 'sample.jpg', 'sample.webp') { $byImage[$name].Action | Should -Be 'Skipped' }
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 2
        $stats.requests.'upload-video-image' | Should -Be 2
        Test-Mp4 (Join-Path $Videos 'meadow.mp4') | Should -BeTrue
    }

    It 'resumes a job a stopped run left unsaved instead of paying for it again' {
        # The run was stopped after submitting: the journal knows the job, the video is missing.
        $null = New-VeoSamplePng -Path (Join-Path $Images 'lake.png') -Hue 90
        Remove-Item -LiteralPath (Join-Path $Images 'not-an-image.png')
        $jobSeconds = (Invoke-RestMethod -Uri "$($Emulator.ControlUri)/config").jobSeconds
        Set-VeoEmulatorConfig $Emulator @{ jobSeconds = 3 }
        try {
            $firstTry = @(& (Join-Path $Samples 'Convert-ImageFolderToVideo.ps1') -ImagePath $Images -OutputPath $Videos -JournalPath $NightlyJournal `
                    -BaseUri "$($Emulator.ApiUri)" -PollIntervalSec 0.2 -TimeoutSec 1 -ModuleName $ModulePath -Prompt 'slow pan across the scene' 3>$null)
        } finally {
            Set-VeoEmulatorConfig $Emulator @{ jobSeconds = $jobSeconds }
        }
        ($firstTry | Where-Object Image -eq 'lake.png').Action | Should -Be 'Failed' -Because 'it did not finish within -TimeoutSec'
        Test-Path -LiteralPath (Join-Path $Videos 'lake.mp4') | Should -BeFalse

        Reset-VeoEmulatorStats $Emulator
        $results = @(& $Run)
        ($results | Where-Object Image -eq 'lake.png').Action | Should -Be 'Resumed'
        Test-Mp4 (Join-Path $Videos 'lake.mp4') | Should -BeTrue
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 0
        $stats.requests.'upload-video-image' | Should -Be 0
    }
}
