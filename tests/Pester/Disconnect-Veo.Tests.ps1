# Disconnect-Veo: it closes the session it is given (or the current one), and every API cmdlet then stops with
# NotConnected.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Disconnect-Veo' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
    }

    It 'Disconnect-Veo -Session closes only that session' {
        $first = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
        $second = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
        Disconnect-Veo -Session $first
        $first.IsOpen | Should -BeFalse
        $second.IsOpen | Should -BeTrue
        (Get-VeoSession) | Should -Be $second
        New-VeoVideo -Prompt 'still connected' | Should -Not -BeNullOrEmpty
        $record = Get-VeoError { New-VeoVideo -Prompt 'closed one' -Session $first }
        $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        Disconnect-Veo -Session $second
        Get-VeoSession | Should -BeNullOrEmpty
    }

    It 'after Disconnect-Veo every API cmdlet stops with NotConnected (InvalidOperation)' {
        Disconnect-Veo
        $commands = @(
            { New-VeoVideo -Prompt 'x' }
            { Get-VeoVideoStatus -Uuid 'x' }
            { Wait-VeoVideo -Uuid 'x' }
            { Save-VeoVideo -Uuid 'x' }
            { Send-VeoImage -LiteralPath 'x' })
        foreach ($command in $commands) {
            $record = Get-VeoError $command
            $record | Should -Not -BeNullOrEmpty -Because "$command must stop"
            $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*' -Because "$command"
            "$($record.CategoryInfo.Category)" | Should -Be 'InvalidOperation'
            $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        }
    }

    It 'without a session is a non-terminating error' {
        Disconnect-Veo
        $output = @(Disconnect-Veo -ErrorAction SilentlyContinue -ErrorVariable disconnectErrors; 'continued')
        $output | Should -Be @('continued')
        $disconnectErrors.Count | Should -Be 1
    }
}
