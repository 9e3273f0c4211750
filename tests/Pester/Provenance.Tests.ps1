# Issue 12 points 2 and 3: the source image travels with the video, names from {ImageName} and {Prompt}, provenance files.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'

    function script:Get-VeoError([scriptblock] $Action) {
        try { $null = & $Action; $null } catch { $_ }
    }

    # Two distinct real PNGs in a folder of their own; returns the folder.
    function script:New-ImageFolder([string] $Name) {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
        $null = New-VeoSamplePng -Path (Join-Path $folder 'beach.png') -Hue 10
        $null = New-VeoSamplePng -Path (Join-Path $folder 'dunes at dusk.png') -Hue 90
        $folder
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Get-ChildItem *.png | Send-VeoImage | New-VeoVideo | Wait-VeoVideo | Save-VeoVideo -FileNameTemplate {ImageName}.mp4' {
    BeforeAll {
        $script:Images = New-ImageFolder 'named'
        $script:Destination = Join-Path $TestDrive 'named-videos'
        Reset-VeoEmulatorStats $Emulator
        Push-Location -LiteralPath $Images
        try {
            $script:Files = @(Get-ChildItem *.png | Send-VeoImage | New-VeoVideo -Prompt 'slow pan' |
                Wait-VeoVideo -PollIntervalSec 0.1 | Save-VeoVideo -Destination $Destination -FileNameTemplate '{ImageName}.mp4')
        } finally { Pop-Location }
    }

    It 'names each video after the image it was made from' {
        @($Files.Name | Sort-Object) | Should -Be @('beach.mp4', 'dunes at dusk.mp4')
        @(Get-ChildItem -LiteralPath $Destination -File).Count | Should -Be 2
        foreach ($file in $Files) { $file | Should -BeOfType ([System.IO.FileInfo]) }
    }

    It 'the journal holds each source file, its name and the SHA-256 the emulator received' {
        $stats = Get-VeoEmulatorStats $Emulator
        $journaled = @(Get-VeoVideo | Where-Object { $_.SavedPath -in $Files.FullName })
        $journaled.Count | Should -Be 2
        foreach ($video in $journaled) {
            $video.ImageSource | Should -BeOfType ([Veo31.PowerShell.VeoImageSource])
            $png = Join-Path $Images $video.ImageSource.Name
            $video.ImageSource.Path | Should -Be $png
            $video.ImageSource.Sha256 | Should -Be (Get-FileHash -LiteralPath $png -Algorithm SHA256).Hash.ToLowerInvariant()
            $video.ImageSource.Length | Should -Be (Get-Item -LiteralPath $png).Length
            $video.ImageSource.Sha256 | Should -BeIn $stats.uploadSha256s
            [IO.Path]::GetFileNameWithoutExtension($video.SavedPath) | Should -Be ([IO.Path]::GetFileNameWithoutExtension($png))
        }
    }
}

Describe 'ImageSource through the pipeline and the journal' {
    BeforeAll {
        $script:Image = Send-VeoImage -LiteralPath (Join-Path (New-ImageFolder 'carried') 'beach.png')
        $script:Video = $Image | New-VeoVideo -Prompt 'carried along'
    }

    It 'Send-VeoImage and New-VeoVideo carry the same source' {
        $Image.ImageSource.Name | Should -Be 'beach.png'
        $Image.ImageSource.Sha256 | Should -Match '^[0-9a-f]{64}$'
        $Video.ImageSource.Sha256 | Should -Be $Image.ImageSource.Sha256
        $Video.ImageSource.Path | Should -Be $Image.Path
    }

    It 'an -ImageSource without an image does not make a text_to_video claim a source' {
        $text = New-VeoVideo -Prompt 'source but no image' -ImageSource $Image.ImageSource
        $text.GenerationType | Should -Be 'text_to_video'
        $text.ImageSource | Should -BeNullOrEmpty
        (Get-VeoVideo -Uuid $text.Uuid).ImageSource | Should -BeNullOrEmpty
    }

    It 'Wait-VeoVideo -Uuid, Get-VeoVideoStatus and Get-VeoVideo fill it from the journal' {
        (Wait-VeoVideo -Uuid $Video.Uuid -PollIntervalSec 0.1).ImageSource.Sha256 | Should -Be $Image.ImageSource.Sha256
        ($Video | Wait-VeoVideo -PollIntervalSec 0.1).ImageSource.Sha256 | Should -Be $Image.ImageSource.Sha256
        (Get-VeoVideoStatus -Uuid $Video.Uuid).ImageSource.Sha256 | Should -Be $Image.ImageSource.Sha256
        (Get-VeoVideo -Uuid $Video.Uuid).ImageSource.Sha256 | Should -Be $Image.ImageSource.Sha256
    }

    It 'Save-VeoVideo -Uuid names the file after the journaled source' {
        $file = Save-VeoVideo -Uuid $Video.Uuid -Destination (Join-Path $TestDrive 'by-uuid') -FileNameTemplate '{ImageName}-{Prompt}.mp4'
        $file.Name | Should -Be 'beach-carried-along.mp4'
    }

    It 'a text_to_video has none, and {ImageName} falls back to its uuid' {
        $text = New-VeoVideo -Prompt 'no image here' | Wait-VeoVideo -PollIntervalSec 0.1
        $text.ImageSource | Should -BeNullOrEmpty
        $verbose = $text | Save-VeoVideo -Destination (Join-Path $TestDrive 'text') -FileNameTemplate '{ImageName}.mp4' -Verbose 4>&1
        $file = @($verbose | Where-Object { $_ -is [IO.FileInfo] })[0]
        $file.Name | Should -Be "$($text.Uuid).mp4"
        @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'no source image' }).Count | Should -Be 1
    }
}

Describe 'Save-VeoVideo -FileNameTemplate {Prompt}' {
    It 'gives a safe slug for <Prompt>' -ForEach @(
        @{ Prompt = 'Crème brûlée, über alles!'; Expected = 'creme-brulee-uber-alles.mp4' }
        @{ Prompt = '../../etc/passwd \ slashes'; Expected = 'etc-passwd-slashes.mp4' }
        @{ Prompt = 'CON'; Expected = 'prompt-con.mp4' }
        @{ Prompt = 'a very long prompt about a lighthouse keeper who watches the storm roll in'; Expected = 'a-very-long-prompt-about-a-lighthouse.mp4' }
    ) {
        $done = New-VeoVideo -Prompt $Prompt | Wait-VeoVideo -PollIntervalSec 0.1
        $destination = Join-Path $TestDrive ('slug-' + [guid]::NewGuid().ToString('n'))
        $file = $done | Save-VeoVideo -Destination $destination -FileNameTemplate '{Prompt}.mp4'
        $file.Name | Should -Be $Expected
        $file.DirectoryName | Should -Be $destination
    }

    It 'a prompt of only punctuation or another script gives prompt- and a short hash' {
        $done = @('?!..//', '日本の海' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1)
        $files = @($done | Save-VeoVideo -Destination (Join-Path $TestDrive 'slug-hash') -FileNameTemplate '{Prompt}.mp4')
        $files.Count | Should -Be 2
        foreach ($file in $files) { $file.Name | Should -Match '^prompt-[0-9a-f]{8}\.mp4$' }
        $files[0].Name | Should -Not -Be $files[1].Name
    }

    It 'two videos whose names collide: the second is a FileExists error and the first file stays' {
        $done = @('same words', 'Same  words!' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1)
        $destination = Join-Path $TestDrive 'slug-collision'
        $files = @($done | Save-VeoVideo -Destination $destination -FileNameTemplate '{Prompt}.mp4' -Force -ErrorVariable saveErrors -ErrorAction SilentlyContinue)
        $files.Count | Should -Be 1
        $files[0].Name | Should -Be 'same-words.mp4'
        $saveErrors.Count | Should -Be 1
        $saveErrors[0].FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        @(Get-ChildItem -LiteralPath $destination -File).Count | Should -Be 1
    }
}

Describe 'An unknown template token' {
    It 'ends the command before anything is downloaded, listing the known tokens: <Template>' -ForEach @(
        @{ Template = '{Foo}.mp4' }
        @{ Template = '{Image}-{Uuid}.mp4' }
        @{ Template = '{Uuid.mp4' }
    ) {
        $done = New-VeoVideo -Prompt 'token check' | Wait-VeoVideo -PollIntervalSec 0.1
        Reset-VeoEmulatorStats $Emulator
        $destination = Join-Path $TestDrive ('tokens-' + [guid]::NewGuid().ToString('n'))
        $record = Get-VeoError { $done | Save-VeoVideo -Destination $destination -FileNameTemplate $Template -ErrorAction SilentlyContinue }
        $record | Should -Not -BeNullOrEmpty -Because 'a bad template terminates the command even with -ErrorAction SilentlyContinue'
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        $record.Exception.Message | Should -Match ([regex]::Escape('{Uuid}, {Date}, {ImageName}, {Prompt}'))
        $record.Exception.Message | Should -Match ([regex]::Escape($Template))
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
        Test-Path -LiteralPath $destination | Should -BeFalse
    }

    It 'letter case does not matter: {imagename} is {ImageName}' {
        $image = Send-VeoImage -LiteralPath (Join-Path (New-ImageFolder 'case') 'beach.png')
        $done = $image | New-VeoVideo -Prompt 'case' | Wait-VeoVideo -PollIntervalSec 0.1
        ($done | Save-VeoVideo -Destination (Join-Path $TestDrive 'case-videos') -FileNameTemplate '{imagename}.mp4').Name | Should -Be 'beach.mp4'
    }
}

Describe 'Save-VeoVideo -Provenance' {
    BeforeAll {
        $script:Png = Join-Path (New-ImageFolder 'provenance') 'beach.png'
        $script:Done = Send-VeoImage -LiteralPath $Png | New-VeoVideo -Prompt 'waves [seconds=0.3]' -AspectRatio 16:9 | Wait-VeoVideo -PollIntervalSec 0.1
        $script:Destination = Join-Path $TestDrive 'provenance-videos'
        $script:File = $Done | Save-VeoVideo -Destination $Destination -FileNameTemplate '{ImageName}.mp4' -Provenance
        $script:Json = Get-Content -Raw -LiteralPath "$($File.FullName).json" | ConvertFrom-Json
    }

    It 'writes the video file name plus .json beside the video and says where on the FileInfo' {
        $File.ProvenancePath | Should -Be "$($File.FullName).json"
        Test-Path -LiteralPath $File.ProvenancePath | Should -BeTrue
        @(Get-ChildItem -LiteralPath $Destination -File).Name | Sort-Object | Should -Be @('beach.mp4', 'beach.mp4.json')
    }

    It 'records how the video was made' {
        $Json.provenanceVersion | Should -Be 1
        $Json.uuid | Should -Be $Done.Uuid
        $Json.generationType | Should -Be 'image_to_video'
        $Json.prompt | Should -Be 'waves [seconds=0.3]'
        $Json.aspectRatio | Should -Be '16:9'
        $Json.sourceImage.name | Should -Be 'beach.png'
        $Json.sourceImage.length | Should -Be (Get-Item -LiteralPath $Png).Length
        [datetimeoffset]$Json.createdAt | Should -Be $Done.CreatedAt
        [datetimeoffset]$Json.completedAt | Should -BeGreaterOrEqual $Done.CreatedAt
        [datetimeoffset]$Json.savedAt | Should -BeGreaterOrEqual ([datetimeoffset]$Json.completedAt)
        $Json.video.fileName | Should -Be 'beach.mp4'
        $Json.moduleVersion | Should -Be (Get-Module Veo31).Version.ToString()
    }

    It 'both hashes check out independently' {
        $Json.sourceImage.sha256 | Should -Be (Get-FileHash -LiteralPath $Png -Algorithm SHA256).Hash.ToLowerInvariant()
        $Json.sourceImage.sha256 | Should -BeIn (Get-VeoEmulatorStats $Emulator).uploadSha256s
        $Json.video.sha256 | Should -Be (Get-FileHash -LiteralPath $File.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        $Json.video.sha256 | Should -Be (Get-VeoEmulatorVideoHash $Emulator $Done.Uuid).sha256
        $Json.video.size | Should -Be $File.Length
    }

    It 'a text_to_video records no source image' {
        $text = New-VeoVideo -Prompt 'text only' | Wait-VeoVideo -PollIntervalSec 0.1
        $file = $text | Save-VeoVideo -Destination $Destination -Provenance
        $json = Get-Content -Raw -LiteralPath $file.ProvenancePath | ConvertFrom-Json
        $json.generationType | Should -Be 'text_to_video'
        $json.PSObject.Properties['sourceImage'] | Should -Not -BeNullOrEmpty
        $json.sourceImage | Should -BeNullOrEmpty
    }

    It 'an existing provenance file is a FileExists error before anything is downloaded, and -Force replaces both' {
        $again = New-VeoVideo -Prompt 'again' | Wait-VeoVideo -PollIntervalSec 0.1
        $folder = Join-Path $TestDrive 'provenance-exists'
        $null = New-Item -ItemType Directory -Path $folder
        Set-Content -LiteralPath (Join-Path $folder "$($again.Uuid).mp4.json") -Value 'precious'
        Reset-VeoEmulatorStats $Emulator
        $record = Get-VeoError { $again | Save-VeoVideo -Destination $folder -Provenance -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
        Test-Path -LiteralPath (Join-Path $folder "$($again.Uuid).mp4") | Should -BeFalse

        $file = $again | Save-VeoVideo -Destination $folder -Provenance -Force
        (Get-Content -Raw -LiteralPath $file.ProvenancePath | ConvertFrom-Json).uuid | Should -Be $again.Uuid
        @(Get-ChildItem -LiteralPath $folder -File).Count | Should -Be 2 -Because 'no temporary file is left behind'
    }

    It 'without -Provenance no JSON is written and ProvenancePath is null' {
        $file = $Done | Save-VeoVideo -Destination (Join-Path $TestDrive 'no-provenance')
        $file.ProvenancePath | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $file.DirectoryName -File).Count | Should -Be 1
    }
}
