# Retries that never charge twice, downloads that resume, and work that survives a killed process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'The generate rule' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
    }

    It 'retries a rate-limited generate after its Retry-After of 1 s, and charges once' {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'rateLimit' -RetryAfter 1 -Count 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $video = New-VeoVideo -Prompt 'retry after one second'
        $clock.Stop()
        $video.Uuid | Should -Not -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.95
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -Be 2
        $stats.generations | Should -Be 1
        $stats.creditsCharged | Should -Be 2
    }

    It 'never retries a generate that may have reached the server (<Kind>)' -ForEach @(
        @{ Kind = 'dropAfter' }, @{ Kind = 'html502' }, @{ Kind = 'malformedJson' }
    ) {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind $Kind -Count 1
        $video = New-VeoVideo -Prompt "outcome unknown after $Kind" -ErrorVariable generateErrors -ErrorAction SilentlyContinue
        $video | Should -BeNullOrEmpty
        $generateErrors[0].FullyQualifiedErrorId | Should -BeLike 'GenerationOutcomeUnknown,*'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -Be 1
        $stats.duplicateCharges | Should -Be 0
    }
}

Describe 'Reads and downloads' {
    BeforeEach { Clear-VeoEmulatorFault $Emulator }
    AfterAll { Clear-VeoEmulatorFault $Emulator }

    It 'status polls survive 30% faults' {
        $videos = 1..10 | ForEach-Object { New-VeoVideo -Prompt "polled through faults $_" }
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'error5000' -Rate 0.15
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'drop' -Rate 0.15
        $done = @($videos | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors)
        $waitErrors.Count | Should -Be 0
        $done.Count | Should -Be 10
        @($done | Where-Object { "$($_.Status)" -eq 'Completed' }).Count | Should -Be 10

        # One call gives up after MaxRetryCount + 1 faulty attempts (0.3^4: about 1 in 120 with the default 3);
        # with 8 retries a call fails about once in 50,000, so 30 calls all come back.
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -MaxRetryCount 8
        try {
            $statuses = @(1..30 | ForEach-Object { $videos[$_ % 10].Uuid } | Get-VeoVideoStatus -ErrorVariable statusErrors)
        } finally {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }
        $statusErrors.Count | Should -Be 0
        $statuses.Count | Should -Be 30
        $statuses.Uuid | Should -Be (1..30 | ForEach-Object { $videos[$_ % 10].Uuid })
    }

    It 'resumes a download cut in the middle, and the file matches the emulator byte for byte' {
        Set-VeoEmulatorConfig $Emulator @{ videoBytes = 3MB }
        try {
            $video = New-VeoVideo -Prompt 'a download that breaks' | Wait-VeoVideo -PollIntervalSec 0.1
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate' -Count 2
            $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'resumed-download')
            $expected = Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid
            $file.Length | Should -Be $expected.length
            (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash | Should -Be $expected.sha256.ToUpperInvariant()
            @(Get-ChildItem -LiteralPath $file.DirectoryName -File).Count | Should -Be 1 -Because 'no partial file stays behind'
            (Get-VeoEmulatorStats $Emulator).generations | Should -BeGreaterThan 0
        } finally {
            Set-VeoEmulatorConfig $Emulator @{ videoBytes = 0 }
        }
    }

    It 'leaves no file at all when a download cannot complete, and never generates again' {
        $video = New-VeoVideo -Prompt 'a download that never completes' | Wait-VeoVideo -PollIntervalSec 0.1
        Reset-VeoEmulatorStats $Emulator
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'drop'
        $destination = Join-Path $TestDrive 'never-complete'
        $file = $video | Save-VeoVideo -Destination $destination -ErrorVariable saveErrors -ErrorAction SilentlyContinue
        $file | Should -BeNullOrEmpty
        $saveErrors.Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $destination -File -ErrorAction SilentlyContinue).Count | Should -Be 0
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 0
    }
}

Describe 'A killed process loses nothing' {
    It 'resumes with Get-VeoVideo -Pending | Wait-VeoVideo in a new process after pwsh was killed mid-wait' {
        Clear-VeoEmulatorFault $Emulator
        $journal = Join-Path $TestDrive 'killed.jsonl'
        $marker = Join-Path $TestDrive 'submitted.txt'
        $script = @"
`$env:VEO_JOURNAL = '$journal'
Import-Module '$ModulePath'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
`$videos = 1..4 | ForEach-Object { New-VeoVideo -Prompt "killed mid-wait `$_ [seconds=6]" }
Set-Content -LiteralPath '$marker' -Value (`$videos.Uuid -join ',')
`$videos | Wait-VeoVideo -PollIntervalSec 0.5
"@
        $scriptFile = Join-Path $TestDrive 'killed-child.ps1'
        Set-Content -LiteralPath $scriptFile -Value $script
        $child = Start-Process -FilePath (Get-DotnetPath) -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $scriptFile) -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path -LiteralPath $marker) -and [DateTime]::UtcNow -lt $deadline -and -not $child.HasExited) { Start-Sleep -Milliseconds 100 }
            Test-Path -LiteralPath $marker | Should -BeTrue
            Start-Sleep -Milliseconds 500
            $child.HasExited | Should -BeFalse -Because 'the child must still be waiting when it is killed'
            $child.Kill($true)
            $null = $child.WaitForExit(10000)
        } finally {
            if (-not $child.HasExited) { $child.Kill($true) }
        }
        $submitted = (Get-Content -Raw -LiteralPath $marker).Trim() -split ','

        $resume = @"
`$env:VEO_JOURNAL = '$journal'
Import-Module '$ModulePath'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
Get-VeoVideo -Pending | Wait-VeoVideo -PollIntervalSec 0.5 | ForEach-Object { "`$(`$_.Uuid)=`$(`$_.Status)" }
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $resume
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $finished = @($output | Where-Object { $_ -match '=Completed$' } | ForEach-Object { ($_ -split '=')[0] })
        $finished | Sort-Object | Should -Be ($submitted | Sort-Object)
    }
}
