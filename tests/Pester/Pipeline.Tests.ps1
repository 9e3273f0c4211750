# The documented pipeline, end to end, against the built module and the emulator. Each cmdlet's own behaviour is in
# its <Cmdlet>.Tests.ps1.
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
