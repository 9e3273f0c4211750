# Get-VeoVideoStatus: uuids by value and videos by property name, many piped uuids read concurrently and written
# in input order. What each server answer becomes is in Errors.Tests.ps1 and Security.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Get-VeoVideoStatus' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '1'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'Binding and order' {
        It 'takes uuids by value and VeoVideo objects by property name' {
            $video = New-VeoVideo -Prompt 'status by value and by property'
            $byValue = $video.Uuid | Get-VeoVideoStatus
            $byProperty = $video | Get-VeoVideoStatus
            $byValue.Uuid | Should -Be $video.Uuid
            $byProperty.Uuid | Should -Be $video.Uuid
            "$($byValue.Status)" | Should -BeIn 'Pending', 'Processing', 'Completed'
        }

        It 'fetches many piped uuids concurrently and writes them in input order' {
            $videos = @(1..24 | ForEach-Object { New-VeoVideo -Prompt "ordered status $_" })
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'delay' -DelayMs 300
            try {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $statuses = @($videos.Uuid | Get-VeoVideoStatus)
                $clock.Stop()
            } finally { Clear-VeoEmulatorFault $Emulator }
            $statuses.Uuid | Should -Be $videos.Uuid
            # One after another would take 24 x 300 ms = 7.2 s.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        }
    }
}
