# Get-VeoSession: the current session, which stays open once handed out, and what it has spent.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Get-VeoSession' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'A session it handed out' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }

        It 'a session from Get-VeoSession survives the next Connect-Veo too' {
            $kept = Get-VeoSession
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            $kept.IsOpen | Should -BeTrue
            Get-VeoVideoStatus -Uuid (New-VeoVideo -Prompt 'kept by Get-VeoSession' -Session $kept).Uuid -Session $kept | Should -Not -BeNullOrEmpty
            Disconnect-Veo -Session $kept
        }
    }

    Context 'When the journal cannot be read' {
        It 'still shows what this session spent (counted in memory, not in the journal)' {
            $journal = Join-Path $TestDrive ('journal-dir-' + [guid]::NewGuid().ToString('n'))
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal -MaxGenerations 3 -MaxGenerationsPerDay 5
            # The journal's place turns into a folder after connecting (a share remounted, a mistake): it cannot be read.
            $null = New-Item -ItemType Directory -Path $journal
            $session = Get-VeoSession
            $session.GenerationsLast24Hours | Should -BeNullOrEmpty
            $session.GenerationsSpent | Should -Be 0
            $session.GenerationsLeft | Should -Be 3
        }
    }
}
