# Send-VeoImage: paths and wildcards, image formats judged by their bytes, and a bad path failing alone.
# Concurrency (-ThrottleLimit) is in ConcurrentBatches.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Send-VeoImage' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'A bad path fails alone' {
        BeforeAll {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            $script:Good = Join-Path $FixturesPath 'sample.png'
            $script:Folder = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'a-folder.png')).FullName
            $script:Text = Join-Path $TestDrive 'text.png'
            Set-Content -LiteralPath $Text -Value 'not an image'
        }

        It '-Path <Bad> gives <ErrorId> for that item and the good image still uploads' -ForEach @(
            @{ Bad = 'Q:\x.png'; ErrorId = 'PathNotFound' }
            @{ Bad = 'nosuchdrive:\x.png'; ErrorId = 'PathNotFound' }
            @{ Bad = '<missing>'; ErrorId = 'PathNotFound' }
            @{ Bad = '<folder>'; ErrorId = 'PathNotFound' }
            @{ Bad = '<text>'; ErrorId = 'ImageFormatNotSupported' }
            @{ Bad = 'env:\PATH'; ErrorId = 'NotAFileSystemPath' }
        ) {
            $path = switch ($Bad) { '<missing>' { Join-Path $TestDrive 'missing.png' } '<folder>' { $Folder } '<text>' { $Text } default { $Bad } }
            foreach ($parameter in 'Path', 'LiteralPath') {
                Reset-VeoEmulatorStats $Emulator
                $arguments = @{ $parameter = @($path, $Good); ErrorVariable = 'imageErrors'; ErrorAction = 'SilentlyContinue' }
                $images = @(Send-VeoImage @arguments)
                $images.Count | Should -Be 1 -Because "-$parameter '$path' must not stop the batch"
                $imageErrors.Count | Should -Be 1 -Because "-$parameter '$path'"
                $imageErrors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*" -Because "-$parameter '$path'"
                $imageErrors[0].TargetObject | Should -Not -BeNullOrEmpty
                (Get-VeoEmulatorStats $Emulator).requests.'upload-video-image' | Should -Be 1
            }
        }

        It 'a bad path piped between good ones fails alone' {
            $images = @($Good, 'nosuchdrive:\x.png', $Good | Send-VeoImage -ErrorVariable imageErrors -ErrorAction SilentlyContinue)
            $images.Count | Should -Be 2
            $imageErrors.Count | Should -Be 1
        }
    }

    Context 'Paths and image formats' {
        BeforeAll {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }

        It '-Path expands wildcards and reads each format from the bytes; a missing -LiteralPath is PathNotFound (ObjectNotFound) for that item' {
            $images = @(Send-VeoImage -Path (Join-Path $FixturesPath 'sample.*'))
            $images.Count | Should -Be 3
            @($images.Format | ForEach-Object { "$_" } | Sort-Object) | Should -Be @('Jpeg', 'Png', 'WebP')
            $missing = Send-VeoImage -LiteralPath (Join-Path $TestDrive 'missing.png') -ErrorVariable imageErrors -ErrorAction SilentlyContinue
            $missing | Should -BeNullOrEmpty
            $imageErrors.Count | Should -Be 1
            $imageErrors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
            "$($imageErrors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        }
    }
}
