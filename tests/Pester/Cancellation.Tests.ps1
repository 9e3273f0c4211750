# Ctrl+C and -TimeoutSec end Wait-VeoVideo promptly.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '60'
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Wait-VeoVideo' {
    It 'ends within a second when the pipeline is stopped (Ctrl+C)' {
        $videos = 1..3 | ForEach-Object { New-VeoVideo -Prompt "a long wait $_" }
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
            $null = $shell.AddCommand('Connect-Veo').AddParameter('BaseUri', $Emulator.ApiUri).AddParameter('ApiKey', $Emulator.SecureKey).AddStatement()
            $null = $shell.AddCommand('Wait-VeoVideo').AddParameter('Uuid', [string[]]$videos.Uuid).AddParameter('PollIntervalSec', 0.5)
            $async = $shell.BeginInvoke()
            Start-Sleep -Seconds 2
            $shell.InvocationStateInfo.State | Should -Be 'Running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
        } finally {
            $shell.Dispose()
        }
    }

    It 'stops at -TimeoutSec with an error naming every unfinished uuid' {
        $videos = 1..2 | ForEach-Object { New-VeoVideo -Prompt "never in time $_" }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = $videos | Wait-VeoVideo -PollIntervalSec 0.2 -TimeoutSec 1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
        $clock.Stop()
        $results | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
        $waitErrors.Count | Should -BeGreaterThan 0
        $text = ($waitErrors | ForEach-Object { $_.Exception.Message }) -join "`n"
        foreach ($video in $videos) { $text | Should -Match ([regex]::Escape($video.Uuid)) }
        $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
    }
}
