# The documented pipelines, end to end, against the built module and the emulator.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '1'
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Get-ChildItem | Send-VeoImage | New-VeoVideo | Wait-VeoVideo | Save-VeoVideo' {
    It 'turns real PNG, JPEG and WebP files into MP4 files on disk' {
        $images = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'images')
        Copy-Item (Join-Path $FixturesPath 'sample.png'), (Join-Path $FixturesPath 'sample.jpg'), (Join-Path $FixturesPath 'sample.webp') $images
        $destination = Join-Path $TestDrive 'videos'
        Reset-VeoEmulatorStats $Emulator

        $files = @(Get-ChildItem -Path (Join-Path $images '*') |
            Send-VeoImage |
            New-VeoVideo -Prompt 'slow pan across the scene' |
            Wait-VeoVideo -PollIntervalSec 0.2 |
            Save-VeoVideo -Destination $destination)

        $files.Count | Should -Be 3
        foreach ($file in $files) {
            $file | Should -BeOfType ([System.IO.FileInfo])
            $file.DirectoryName | Should -Be (Resolve-Path $destination).Path
            $file.Extension | Should -Be '.mp4'
            $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
            [Text.Encoding]::ASCII.GetString($bytes, 4, 4) | Should -Be 'ftyp'
        }
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'upload-video-image' | Should -Be 3
        $stats.generations | Should -Be 3
        $stats.duplicateCharges | Should -Be 0
        $stats.cdnAuthorizationHeaders.Count | Should -Be 0
    }

    It 'binds VeoImage objects to New-VeoVideo as image_to_video' {
        $image = Send-VeoImage -LiteralPath (Join-Path $FixturesPath 'sample.png')
        $image.ImageKey | Should -Not -BeNullOrEmpty
        $image.ImageUrl | Should -Match '^http://127\.0\.0\.1:\d+/images/'
        $video = $image | New-VeoVideo -Prompt 'zoom into the gradient'
        $video.GenerationType | Should -Be 'image_to_video'
        $video.Uuid | Should -Not -BeNullOrEmpty
        "$($video.Status)" | Should -Be 'Pending'
    }
}

Describe 'New-VeoVideo with a text prompt' {
    It 'returns a typed VeoVideo and Wait-VeoVideo completes it' {
        $video = New-VeoVideo -Prompt 'sunset over the ocean' -AspectRatio 16:9
        $video.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoVideo'
        $video.GenerationType | Should -Be 'text_to_video'
        $video.AspectRatio | Should -Be '16:9'
        $video.Prompt | Should -Be 'sunset over the ocean'
        $video.CreatedAt | Should -BeOfType ([datetimeoffset]) -Because 'createdAt is ISO 8601 UTC'

        $done = $video | Wait-VeoVideo -PollIntervalSec 0.2
        "$($done.Status)" | Should -Be 'Completed'
        $done.Progress | Should -Be 100
        $done.VideoUrl | Should -Match '^http://127\.0\.0\.1:\d+/videos/'
    }

    It 'sends no request with -WhatIf' {
        Reset-VeoEmulatorStats $Emulator
        $result = New-VeoVideo -Prompt 'what if this cost credits' -WhatIf
        $image = Send-VeoImage -LiteralPath (Join-Path $FixturesPath 'sample.png') -WhatIf
        $result | Should -BeNullOrEmpty
        $image | Should -BeNullOrEmpty
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -Be 0
        $stats.requests.'upload-video-image' | Should -Be 0
        $stats.creditsCharged | Should -Be 0
    }

    It 'Get-Content prompts.txt | New-VeoVideo | Wait-VeoVideo finishes 20 prompts in about the time of the slowest' {
        $prompts = 1..20 | ForEach-Object { "prompt number $_ [seconds=$(1 + ($_ % 4) * 0.5)]" }
        $promptFile = Join-Path $TestDrive 'prompts.txt'
        Set-Content -LiteralPath $promptFile -Value $prompts
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $videos = @(Get-Content -LiteralPath $promptFile | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.2)
        $clock.Stop()

        $videos.Count | Should -Be 20
        @($videos | Where-Object { "$($_.Status)" -eq 'Completed' }).Count | Should -Be 20
        ($videos.Uuid | Sort-Object -Unique).Count | Should -Be 20
        # The slowest job takes 2.5 s; waiting one after another would take the sum (about 35 s).
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 12
    }
}

Describe 'Get-VeoVideoStatus' {
    It 'takes uuids by value and VeoVideo objects by property name' {
        $video = New-VeoVideo -Prompt 'status by value and by property'
        $byValue = $video.Uuid | Get-VeoVideoStatus
        $byProperty = $video | Get-VeoVideoStatus
        $byValue.Uuid | Should -Be $video.Uuid
        $byProperty.Uuid | Should -Be $video.Uuid
        "$($byValue.Status)" | Should -BeIn 'Pending', 'Processing', 'Completed'
    }

    It 'keeps the input order for many piped uuids' {
        $videos = 1..12 | ForEach-Object { New-VeoVideo -Prompt "ordered status $_" }
        $statuses = @($videos.Uuid | Get-VeoVideoStatus)
        $statuses.Uuid | Should -Be $videos.Uuid
    }
}

Describe 'Get-VeoVideo (the local job journal)' {
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
}
