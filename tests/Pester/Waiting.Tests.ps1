# Waiting that adapts to the service: rate limits slow the session down and fail nothing, status answers are checked,
# statuses nobody documented are handled, paid requests survive Ctrl+C, the journal stays true.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Waiting that adapts to the service' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Set-VeoEmulatorConfig $Emulator @{ rateLimitStatus = 0; estimatedTime = 'exact' }
    }

    Context 'Wait-VeoVideo under a rate limit' {
        It 'finishes every job although most polls are answered 1003 at first' {
            # No estimates, so every job asks every interval: 15 jobs at 0.2 s want 75 polls a second against 5.
            Set-VeoEmulatorConfig $Emulator @{ rateLimitStatus = 5; estimatedTime = 'missing' }
            Reset-VeoEmulatorStats $Emulator
            $videos = 1..15 | ForEach-Object { "throttled $_ [seconds=2]" } | New-VeoVideo
            $done = $videos | Wait-VeoVideo -PollIntervalSec 0.2 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
            $waitErrors | Should -BeNullOrEmpty
            @($done).Count | Should -Be 15
            $stats = Get-VeoEmulatorStats $Emulator
            $stats.rateLimited.'video-status' | Should -BeGreaterThan 0
        }
    }

    Context 'Status answers the module does not take at face value' {
        It 'a terminal status nobody documented ends as GenerationFailed with its own word and reason' {
            $video = New-VeoVideo -Prompt 'moderated [seconds=0.3] [status=cancelled:Stopped by a moderator]'
            $result = $video | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $waitErrors.Count | Should -Be 1
            $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'GenerationFailed,*'
            $waitErrors[0].Exception.Message | Should -Match 'cancelled'
            $waitErrors[0].Exception.Message | Should -Match 'Stopped by a moderator'
            $waitErrors[0].TargetObject.Status | Should -Be 'Failed'
            $waitErrors[0].TargetObject.StatusText | Should -Be 'cancelled'
            (Get-VeoVideo -Uuid $video.Uuid).Status | Should -Be 'Failed'
            Get-VeoVideo -Pending | Where-Object Uuid -EQ $video.Uuid | Should -BeNullOrEmpty
        }

        It 'a running status nobody documented is polled further and shown in the progress bar' {
            $video = New-VeoVideo -Prompt 'queued somewhere [seconds=1] [midstatus=queued_v2]'
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
                $null = $shell.AddCommand('Connect-Veo').AddParameter('BaseUri', $Emulator.ApiUri).AddParameter('ApiKey', $Emulator.SecureKey).AddStatement()
                $null = $shell.AddCommand('Wait-VeoVideo').AddParameter('Uuid', $video.Uuid).AddParameter('PollIntervalSec', 0.1).AddParameter('MaxPollIntervalSec', 0.2)
                $output = $shell.Invoke()
                @($output).Count | Should -Be 1
                $output[0].Status | Should -Be 'Completed'
                ($shell.Streams.Progress | Where-Object StatusDescription -Match 'queued_v2') | Should -Not -BeNullOrEmpty
            } finally { $shell.Dispose() }
        }

        It 'a status for another video is InvalidResponse, and neither journaled nor saved' {
            $video = New-VeoVideo -Prompt 'mine [seconds=0.2]'
            Start-Sleep -Milliseconds 400
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'otherUuid' -Value 'someone-elses-video'
            $status = Get-VeoVideoStatus -Uuid $video.Uuid -ErrorVariable statusErrors -ErrorAction SilentlyContinue
            $status | Should -BeNullOrEmpty
            $statusErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResponse,*'
            $saved = Save-VeoVideo -Uuid $video.Uuid -Destination (Join-Path $TestDrive 'other') -ErrorAction SilentlyContinue
            $saved | Should -BeNullOrEmpty
            Test-Path (Join-Path $TestDrive 'other/*.mp4') | Should -BeFalse
            Get-Content -Raw $env:VEO_JOURNAL | Should -Not -Match 'someone-elses-video'
        }

        It 'a "completed" without a videoUrl is asked again, then reported as InvalidResponse, and stays pending' {
            $video = New-VeoVideo -Prompt 'no url ever [seconds=0.2] [nourl=1000]'
            $result = $video | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResponse,*'
            $waitErrors[0].Exception.Message | Should -Match 'without a videoUrl'
            Save-VeoVideo -Uuid $video.Uuid -Destination $TestDrive -ErrorVariable saveErrors -ErrorAction SilentlyContinue
            $saveErrors[0].Exception.Message | Should -Match 'without a download URL'
            (Get-VeoVideo -Pending).Uuid | Should -Contain $video.Uuid
        }
    }

    Context 'The job journal' {
        It 'marks a job the API does not know as gone, and it leaves Get-VeoVideo -Pending' {
            $line = '{"event":"submitted","uuid":"vanished-job-1","at":"2026-01-01T00:00:00Z","prompt":"lost"}'
            Add-Content -LiteralPath $env:VEO_JOURNAL -Value $line
            (Get-VeoVideo -Pending).Uuid | Should -Contain 'vanished-job-1'
            Wait-VeoVideo -Uuid 'vanished-job-1' -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
            $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
            (Get-VeoVideo -Uuid 'vanished-job-1').Status | Should -Be 'Gone'
            (Get-VeoVideo -Pending).Uuid | Should -Not -Contain 'vanished-job-1'
        }

        It 'stays the same size when statuses that did not change are read again' {
            $videos = 1..3 | ForEach-Object { New-VeoVideo -Prompt "re-read $_ [seconds=0.2]" } | Wait-VeoVideo -PollIntervalSec 0.1
            $size = (Get-Item -LiteralPath $env:VEO_JOURNAL).Length
            1..5 | ForEach-Object { $null = $videos.Uuid | Get-VeoVideoStatus }
            (Get-Item -LiteralPath $env:VEO_JOURNAL).Length | Should -Be $size
        }

        It 'completes -Uuid from the journal at the prompt' {
            $video = New-VeoVideo -Prompt 'complete me at the prompt'
            $line = "Wait-VeoVideo -Uuid $($video.Uuid.Substring(0, 8))"
            $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $result.CompletionMatches.CompletionText | Should -Contain $video.Uuid
        }

        It 'resolves a relative $env:VEO_JOURNAL against the PowerShell location' {
            $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'here') -Force
            $saved = $env:VEO_JOURNAL
            Push-Location -LiteralPath $folder.FullName
            try {
                $env:VEO_JOURNAL = 'relative-journal.jsonl'
                $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
                $session.JournalPath | Should -Be (Join-Path $folder.FullName 'relative-journal.jsonl')
                $null = New-VeoVideo -Prompt 'relative journal' -Session $session
                Test-Path -LiteralPath (Join-Path $folder.FullName 'relative-journal.jsonl') | Should -BeTrue
                Disconnect-Veo -ErrorAction SilentlyContinue
                (Get-VeoVideo).Prompt | Should -Contain 'relative journal'
            } finally {
                Pop-Location
                $env:VEO_JOURNAL = $saved
                Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            }
        }
    }

    Context 'A paid request and Ctrl+C' {
        It 'a stop while the charging request is on the wire still journals the uuid' {
            Reset-VeoEmulatorStats $Emulator
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfter' -DelayMs 1500 -Count 1
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
                $null = $shell.AddCommand('Connect-Veo').AddParameter('BaseUri', $Emulator.ApiUri).AddParameter('ApiKey', $Emulator.SecureKey).AddStatement()
                $null = $shell.AddCommand('New-VeoVideo').AddParameter('Prompt', 'paid then stopped')
                $async = $shell.BeginInvoke()
                Start-Sleep -Milliseconds 500
                $shell.Stop()
                $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            } finally { $shell.Dispose() }
            (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
            $entry = Get-VeoVideo | Where-Object Prompt -EQ 'paid then stopped'
            $entry | Should -Not -BeNullOrEmpty
            $entry.Uuid | Should -Not -BeNullOrEmpty
            $entry.Status | Should -Be 'Pending'
        }

        It 'a lost answer is an outcome-unknown record that Get-VeoVideo shows and -Pending leaves out' {
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfterDrop' -DelayMs 100 -Count 1
            New-VeoVideo -Prompt 'answer lost on the way' -ErrorVariable newErrors -ErrorAction SilentlyContinue
            $newErrors[0].FullyQualifiedErrorId | Should -BeLike 'GenerationOutcomeUnknown,*'
            $lost = Get-VeoVideo | Where-Object Prompt -EQ 'answer lost on the way'
            $lost.Status | Should -Be 'OutcomeUnknown'
            $lost.RequestFingerprint | Should -Match '^[0-9a-f]{16}$'
            $newErrors[0].Exception.Message | Should -Match $lost.RequestFingerprint
            Get-VeoVideo -Pending | Where-Object Prompt -EQ 'answer lost on the way' | Should -BeNullOrEmpty
            $lost | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $waitErrors.Count | Should -Be 1
            $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'GenerationOutcomeUnknown,*'
            $waitErrors[0].Exception.Message | Should -Match $lost.RequestFingerprint
        }
    }
}
