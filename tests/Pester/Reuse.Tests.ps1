# Never paying twice (New-VeoVideo -Reuse) and batches from a manifest (New-VeoVideo -ImagePath by property name).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.2'

    function script:Connect-Fresh([hashtable] $Options = @{}) {
        $journal = Join-Path $TestDrive ('journal-' + [guid]::NewGuid().ToString('n') + '.jsonl')
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal @Options
    }

    function script:Get-Stat([string] $Endpoint) { [int](Get-VeoEmulatorStats $Emulator).requests.$Endpoint }

    $script:Images = Join-Path $TestDrive 'images'
    $null = New-Item -ItemType Directory -Path $Images
    foreach ($hue in 0, 90, 180) { New-VeoSamplePng -Path (Join-Path $Images "scene-$hue.png") -Hue $hue }
    Copy-Item (Join-Path $FixturesPath 'not-an-image.png') (Join-Path $Images 'fake.png')
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'New-VeoVideo -Reuse: never pay twice for the same video' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
        Connect-Fresh
    }

    It 'returns the journaled video of an identical text request, marked Reused, and spends nothing' {
        $first = New-VeoVideo -Prompt 'a heron at dawn' -AspectRatio 16:9 | Wait-VeoVideo -PollIntervalSec 0.1
        $again = New-VeoVideo -Prompt 'a heron at dawn' -AspectRatio 16:9 -Reuse
        $again.Uuid | Should -Be $first.Uuid
        $again.Reused | Should -BeTrue
        "$($again.Status)" | Should -Be 'Completed'
        $again.VideoUrl | Should -Not -BeNullOrEmpty
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
        $first.Reused | Should -BeFalse
    }

    It 'a different prompt, aspect ratio, or no -Reuse pays again' {
        $null = New-VeoVideo -Prompt 'a heron at dusk' -AspectRatio 16:9
        $null = New-VeoVideo -Prompt 'a heron at dusk' -AspectRatio 9:16 -Reuse
        $null = New-VeoVideo -Prompt 'a heron at dusk!' -AspectRatio 16:9 -Reuse
        $null = New-VeoVideo -Prompt 'a heron at dusk' -AspectRatio 16:9
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 4
    }

    It 'a job still running is reused too' {
        $running = New-VeoVideo -Prompt 'a slow glacier [seconds=30]'
        $again = New-VeoVideo -Prompt 'a slow glacier [seconds=30]' -Reuse
        $again.Uuid | Should -Be $running.Uuid
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
    }

    It 'a failed earlier job is submitted again' {
        $failed = New-VeoVideo -Prompt 'a doomed scene [status=failed:no luck]' | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorAction SilentlyContinue
        (Get-VeoVideo | Where-Object Prompt -EQ 'a doomed scene [status=failed:no luck]').Status | Should -Be 'Failed'
        $retry = New-VeoVideo -Prompt 'a doomed scene [status=failed:no luck]' -Reuse
        $retry.Reused | Should -BeFalse
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 2
    }

    It 'the same image uploaded again (a new upload URL) is matched by content; another image is not' {
        $png = Join-Path $Images 'scene-0.png'
        $first = Send-VeoImage -LiteralPath $png | New-VeoVideo -Prompt 'slow pan'
        $again = Send-VeoImage -LiteralPath $png | New-VeoVideo -Prompt 'slow pan' -Reuse
        $again.Uuid | Should -Be $first.Uuid
        $again.ImageSource.Name | Should -Be 'scene-0.png'
        $other = Send-VeoImage -LiteralPath (Join-Path $Images 'scene-90.png') | New-VeoVideo -Prompt 'slow pan' -Reuse
        $other.Uuid | Should -Not -Be $first.Uuid
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 2
    }

    It 'the same request twice in one batch pays once' {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfter' -DelayMs 300 -Count 1
        $videos = @('twin prompt', 'twin prompt', 'twin prompt' | New-VeoVideo -Reuse -ThrottleLimit 4)
        $videos.Count | Should -Be 3
        @($videos.Uuid | Select-Object -Unique).Count | Should -Be 1
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
    }

    It 'a reused video costs nothing under a spending cap' {
        Connect-Fresh @{ MaxGenerations = 1 }
        $first = New-VeoVideo -Prompt 'capped but reused'
        $again = New-VeoVideo -Prompt 'capped but reused' -Reuse
        $again.Uuid | Should -Be $first.Uuid
        (Get-VeoSession).GenerationsSpent | Should -Be 1
        { New-VeoVideo -Prompt 'capped and new' } | Should -Throw -ErrorId 'QuotaExceeded,*'
    }
}

Describe 'New-VeoVideo -ImagePath: batches from a manifest' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
        Connect-Fresh
        Push-Location $Images
    }

    AfterEach {
        Pop-Location
    }

    It 'Import-Csv | New-VeoVideo | Wait-VeoVideo | Save-VeoVideo names each video after its image; bad rows fail alone' {
        $csv = Join-Path $TestDrive 'jobs.csv'
        @(
            [pscustomobject]@{ Prompt = 'first light'; AspectRatio = '16:9'; ImagePath = 'scene-0.png' }
            [pscustomobject]@{ Prompt = 'missing file'; AspectRatio = '16:9'; ImagePath = 'no-such.png' }
            [pscustomobject]@{ Prompt = 'midday'; AspectRatio = '9:16'; ImagePath = (Join-Path $Images 'scene-90.png') }
            [pscustomobject]@{ Prompt = 'not a picture'; AspectRatio = 'auto'; ImagePath = 'fake.png' }
            [pscustomobject]@{ Prompt = ''; AspectRatio = 'auto'; ImagePath = 'scene-0.png' }
            [pscustomobject]@{ Prompt = 'evening'; AspectRatio = 'auto'; ImagePath = 'scene-180.png' }
        ) | Export-Csv -LiteralPath $csv -NoTypeInformation
        $out = Join-Path $TestDrive 'manifest-out'
        $all = @(& { Import-Csv $csv | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 | Save-VeoVideo -Destination $out -FileNameTemplate '{ImageName}.mp4' } 2>&1)
        $files = @($all | Where-Object { $_ -is [IO.FileInfo] })
        $errors = @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
        # Wait-VeoVideo hands each video on as it finishes, so the files come in completion order.
        ($files.Name | Sort-Object) | Should -Be @('scene-0.mp4', 'scene-180.mp4', 'scene-90.mp4')
        $errors.Count | Should -Be 3
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'ImageFormatNotSupported,*'
        $errors[2].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 3
        Get-Stat 'upload-video-image' | Should -Be 3
        $journaled = Get-VeoVideo | Sort-Object { $_.ImageSource.Name }
        $journaled.ImageSource.Name | Should -Be @('scene-0.png', 'scene-180.png', 'scene-90.png')
        $journaled.AspectRatio | Should -Be @('16:9', 'auto', '9:16')
        foreach ($video in $journaled) {
            $video.ImageSource.Sha256 | Should -Be (Get-FileHash -LiteralPath (Join-Path $Images $video.ImageSource.Name) -Algorithm SHA256).Hash.ToLowerInvariant()
        }
    }

    It 'Get-ChildItem *.png | New-VeoVideo -Prompt uploads each file itself (FullName binds)' {
        $videos = @(Get-ChildItem -Path $Images -Filter 'scene-*.png' | Sort-Object Name | New-VeoVideo -Prompt 'slow zoom')
        $videos.ImageSource.Name | Should -Be @('scene-0.png', 'scene-180.png', 'scene-90.png')
        $videos.GenerationType | Should -Be @('image_to_video', 'image_to_video', 'image_to_video')
        $videos.ImageUrl | ForEach-Object { $_ | Should -Not -BeNullOrEmpty }
    }

    It 'the manifest run again with -Reuse uploads nothing and pays nothing' {
        $rows = 'scene-0.png', 'scene-90.png' | ForEach-Object { [pscustomobject]@{ Prompt = 'rerun'; ImagePath = $_ } }
        $first = @($rows | New-VeoVideo)
        Reset-VeoEmulatorStats $Emulator
        $again = @($rows | New-VeoVideo -Reuse)
        $again.Uuid | Should -Be $first.Uuid
        $again.Reused | Should -Be @($true, $true)
        Get-Stat 'upload-video-image' | Should -Be 0
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 0
    }

    It 'a row with both a file and an uploaded image is an error for that row only' {
        $rows = @(
            [pscustomobject]@{ Prompt = 'both'; ImagePath = 'scene-0.png'; ImageUrl = 'http://127.0.0.1:1/x.png' }
            [pscustomobject]@{ Prompt = 'fine'; ImagePath = 'scene-0.png' }
        )
        $videos = @($rows | New-VeoVideo -ErrorVariable rowErrors -ErrorAction SilentlyContinue)
        $videos.Prompt | Should -Be @('fine')
        $rowErrors.Count | Should -Be 1
        $rowErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
    }

    It 'a spending cap refuses the row before its image is uploaded' {
        Connect-Fresh @{ MaxGenerations = 0 }
        { [pscustomobject]@{ Prompt = 'capped'; ImagePath = 'scene-0.png' } | New-VeoVideo } | Should -Throw -ErrorId 'QuotaExceeded,*'
        Get-Stat 'upload-video-image' | Should -Be 0
        Get-Stat 'generate-video' | Should -Be 0
    }

    It '-WhatIf names the file and sends nothing' {
        [pscustomobject]@{ Prompt = 'only asking'; ImagePath = 'scene-0.png' } | New-VeoVideo -WhatIf
        Get-Stat 'upload-video-image' | Should -Be 0
        Get-Stat 'generate-video' | Should -Be 0
    }
}
