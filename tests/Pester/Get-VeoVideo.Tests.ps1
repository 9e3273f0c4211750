# Get-VeoVideo: the local job journal lists every accepted uuid, -Pending resumes unfinished work, and it reads
# without a connection. The journal in a blob is in BlobJournal.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Get-VeoVideo' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '1'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'The local job journal' {
        It 'lists every accepted uuid and resumes pending work through Wait-VeoVideo and Save-VeoVideo' {
            $journal = Join-Path $TestDrive 'resume.jsonl'
            $env:VEO_JOURNAL = $journal
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            try {
                $submitted = 1..3 | ForEach-Object { New-VeoVideo -Prompt "journal entry $_" }
                $pending = @(Get-VeoVideo -Pending)
                $pending.Uuid | Sort-Object | Should -Be ($submitted.Uuid | Sort-Object)

                $saved = @(Get-VeoVideo -Pending | Wait-VeoVideo -PollIntervalSec 0.2 | Save-VeoVideo -Destination (Join-Path $TestDrive 'resumed'))
                $saved.Count | Should -Be 3
                @(Get-VeoVideo -Pending).Count | Should -Be 0
                $all = @(Get-VeoVideo)
                $all.Count | Should -Be 3
                $all.Progress | Should -Be @(100, 100, 100)
                $all.SavedPath | ForEach-Object { Test-Path -LiteralPath $_ | Should -BeTrue }
                (Get-VeoVideo -Uuid $submitted[0].Uuid).Uuid | Should -Be $submitted[0].Uuid
            } finally {
                $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
                Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            }
        }

        It 'reads $env:VEO_JOURNAL without a connection, and -Uuid takes a wildcard' {
            $journal = Join-Path $TestDrive 'offline.jsonl'
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal
            $null = New-VeoVideo -Prompt 'listed offline'
            Disconnect-Veo
            $saved = $env:VEO_JOURNAL
            $env:VEO_JOURNAL = $journal
            try {
                $listed = @(Get-VeoVideo -Uuid '*')
            } finally {
                $env:VEO_JOURNAL = $saved
                Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            }
            $listed.Prompt | Should -Be @('listed offline')
        }
    }
}
