# Wait-VeoVideo: many videos at once, each emitted as it completes; Ctrl+C and -TimeoutSec end it promptly;
# rate limits slow it down and fail nothing; status answers are checked; the journal stays true.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Wait-VeoVideo: Ctrl+C and -TimeoutSec' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '60'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    It 'ends within a second when the pipeline is stopped (Ctrl+C)' {
        $videos = 1..3 | ForEach-Object { New-VeoVideo -Prompt "a long wait $_" }
        $shell = New-StoppableShell $Emulator "Wait-VeoVideo -Uuid '$($videos.Uuid -join "','")' -PollIntervalSec 0.5"
        try {
            $async = $shell.BeginInvoke()
            Start-Sleep -Seconds 2
            $shell.InvocationStateInfo.State | Should -Be 'Running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            @($shell.Streams.Error).Count | Should -Be 0 -Because 'a stop is not an error'
        } finally {
            $shell.Dispose()
        }
    }

    It 'stops at -TimeoutSec with one Timeout error per unfinished video, naming its uuid, and still emits the one that finished' {
        $videos = @('never [seconds=60]', 'never either [seconds=60]', 'quick [seconds=0.2]' | New-VeoVideo)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @($videos | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.3 -TimeoutSec 1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue)
        $clock.Stop()
        $results.Prompt | Should -Be @('quick [seconds=0.2]')
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
        $waitErrors.Count | Should -Be 2
        foreach ($i in 0, 1) {
            $waitErrors[$i].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            "$($waitErrors[$i].CategoryInfo.Category)" | Should -Be 'OperationTimeout'
            $waitErrors[$i].Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
            $waitErrors[$i].Exception.Message | Should -Match ([regex]::Escape($videos[$i].Uuid))
            $waitErrors[$i].TargetObject.Uuid | Should -Be $videos[$i].Uuid
        }
    }

    # Review 13b: Cancellation.Tests.ps1's -TimeoutSec It ran with the default -MaxPollIntervalSec (60 s), so the limit had
    # to cut a sleep before a far poll; its replacement caps polls at 0.3 s and no longer asks that. WaitTests.cs also
    # bounded the wait at 2.5 s, not 4.
    It '-TimeoutSec ends the wait on time while the next poll is planned far away (default -MaxPollIntervalSec)' {
        $videos = @('far poll [seconds=60]', 'far poll too [seconds=60]' | New-VeoVideo)
        Reset-VeoEmulatorStats $Emulator
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @($videos | Wait-VeoVideo -PollIntervalSec 0.2 -TimeoutSec 1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue)
        $clock.Stop()
        # The premise: the service's estimate (about 60 s) planned the next poll far away, so few polls were made.
        (Get-VeoEmulatorStats $Emulator).requests.'video-status' | Should -BeLessOrEqual 4
        $results | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 2.5
        $waitErrors.Count | Should -Be 2
        foreach ($i in 0, 1) {
            $waitErrors[$i].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            $waitErrors[$i].Exception.ErrorId | Should -Be 'Timeout'
            $waitErrors[$i].TargetObject.Uuid | Should -Be $videos[$i].Uuid
        }
    }
}

Describe 'Wait-VeoVideo: waiting that adapts to the service' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

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

        It 'completes -Uuid from the journal at the prompt: most recent first, by prefix, with the prompt as tooltip' {
            # One at a time, so the journal's order (most recent last) is the order they were piped in.
            $videos = @('complete me', 'and me' | New-VeoVideo -ThrottleLimit 1)
            $line = 'Wait-VeoVideo -Uuid '
            $all = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Where-Object { $_ -in $videos.Uuid })
            $all | Should -Be @($videos[1].Uuid, $videos[0].Uuid)
            $line = "Wait-VeoVideo -Uuid $($videos[0].Uuid.Substring(0, 8))"
            $one = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)
            $one.CompletionText | Should -Be @($videos[0].Uuid)
            $one[0].ToolTip | Should -Match 'complete me'
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

}

Describe 'Wait-VeoVideo: many videos at once' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
    }

    It 'waits on all videos at once and emits each as it completes' {
        # Jobs of very different lengths: -MaxPollIntervalSec bounds how late any is noticed, whatever the session
        # learned from the others, so they come out in the order they finish.
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $videos = @('slow [seconds=4]', 'fast [seconds=0.5]', 'mid [seconds=2.2]', 'slow too [seconds=4]', 'mid too [seconds=2.2]' |
            New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.5)
        $clock.Stop()
        $videos.Count | Should -Be 5
        @($videos | ForEach-Object { "$($_.Status)" }) | Should -Be @('Completed', 'Completed', 'Completed', 'Completed', 'Completed')
        $videos.Progress | Should -Be @(100, 100, 100, 100, 100)
        $videos[0].Prompt | Should -BeLike 'fast*'
        $videos[4].Prompt | Should -BeLike 'slow*'
        # One after another would take about 13 s.
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 7.5
    }

    It 'writes one progress bar per video under a parent' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
            $null = $shell.AddCommand('Connect-Veo').AddParameter('BaseUri', $Emulator.ApiUri).AddParameter('ApiKey', $Emulator.SecureKey)
            $null = $shell.Invoke()
            $shell.Commands.Clear()
            $shell.Streams.ClearStreams()
            $null = $shell.AddScript("'one [seconds=1]', 'two [seconds=1]' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 -MaxPollIntervalSec 0.3")
            $output = $shell.Invoke()
            $records = @($shell.Streams.Progress)
        } finally { $shell.Dispose() }
        @($output).Count | Should -Be 2
        $parents = @($records | Where-Object ParentActivityId -EQ -1 | ForEach-Object ActivityId | Sort-Object -Unique)
        $parents.Count | Should -Be 1
        $children = @($records | Where-Object ParentActivityId -EQ $parents[0] | ForEach-Object ActivityId | Sort-Object -Unique)
        $children.Count | Should -Be 2
        @($records | Where-Object { $_.ParentActivityId -eq $parents[0] -and $_.PercentComplete -gt 0 -and $_.PercentComplete -lt 100 }).Count | Should -BeGreaterThan 0
        @($records | Where-Object { $_.ActivityId -eq $parents[0] -and $_.StatusDescription -match '2 of 2' }).Count | Should -BeGreaterThan 0
    }

    It 'a failed generation fails alone: the other videos are still emitted' {
        $results = @('breaks [fail]', 'works' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue)
        $results.Prompt | Should -Be @('works')
        $waitErrors.Count | Should -Be 1
        $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'GenerationFailed,*'
    }

    It 'polls each job no more often than -PollIntervalSec' {
        $video = New-VeoVideo -Prompt 'counted polls [seconds=1.6]'
        Reset-VeoEmulatorStats $Emulator
        $done = $video | Wait-VeoVideo -PollIntervalSec 0.5
        "$($done.Status)" | Should -Be 'Completed'
        (Get-VeoEmulatorStats $Emulator).requests.'video-status' | Should -BeIn @(2, 3, 4, 5)
    }

    It 'a job whose polls keep failing gets its error while the others complete' {
        $good = New-VeoVideo -Prompt 'fine [seconds=0.3]'
        $results = @($good.Uuid, 'no-such-uuid' | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue)
        $results.Prompt | Should -Be @('fine [seconds=0.3]')
        $waitErrors.Count | Should -Be 1
        $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        "$($waitErrors[0].CategoryInfo.Category)" | Should -Be 'InvalidArgument'
        $waitErrors[0].Exception.Uuid | Should -Be 'no-such-uuid'
    }
}
