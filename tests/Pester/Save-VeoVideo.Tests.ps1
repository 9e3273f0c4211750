# Save-VeoVideo: into a folder (never over its own files or anyone else's, named by -FileNameTemplate, with its
# provenance beside it) and into an Azure blob container (Azurite on 127.0.0.1).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Save-VeoVideo into a folder' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'One command never overwrites its own files' {
        BeforeAll {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            # Three videos the emulator created in the same second (a batch that straddles a second boundary is made again).
            for ($try = 0; $try -lt 5; $try++) {
                while ([DateTime]::UtcNow.Millisecond -gt 600) { Start-Sleep -Milliseconds 50 }
                $script:SameSecond = @(1..3 | ForEach-Object { "same second $_" } | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1)
                if (@($SameSecond.CreatedAt | Sort-Object -Unique).Count -eq 1) { break }
            }
        }

        It 'the three videos share their creation second (the premise of the next tests)' {
            $SameSecond.Count | Should -Be 3
            @($SameSecond.CreatedAt | Sort-Object -Unique).Count | Should -Be 1
        }

        It "-FileNameTemplate 'clip-{Date}.mp4' -Force gives as many files on disk as FileInfo objects out" {
            $destination = Join-Path $TestDrive 'same-second'
            $files = @($SameSecond | Save-VeoVideo -Destination $destination -FileNameTemplate 'clip-{Date}.mp4' -Force -ErrorVariable saveErrors -ErrorAction SilentlyContinue)
            $onDisk = @(Get-ChildItem -LiteralPath $destination -File)
            $onDisk.Count | Should -Be $files.Count
            $files.Count | Should -Be 1
            $saveErrors.Count | Should -Be 2
            foreach ($record in $saveErrors) {
                $record.FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
                "$($record.CategoryInfo.Category)" | Should -Be 'ResourceExists'
                $record.Exception.Message | Should -Match ([regex]::Escape($files[0].Name))
                $record.Exception.Message | Should -Match ([regex]::Escape($SameSecond[0].Uuid))
                $record.TargetObject.Uuid | Should -BeIn $SameSecond[1..2].Uuid
            }
            # The journal says where each video really is: only the first was saved.
            @(Get-VeoVideo | Where-Object { $_.SavedPath -eq $files[0].FullName }).Uuid | Should -Be @($SameSecond[0].Uuid)
        }

        It 'without -Force the collision is the same FileExists, and a later run may still replace with -Force' {
            $destination = Join-Path $TestDrive 'same-second-2'
            $first = @($SameSecond | Save-VeoVideo -Destination $destination -FileNameTemplate 'clip.mp4' -ErrorVariable saveErrors -ErrorAction SilentlyContinue)
            $first.Count | Should -Be 1
            $saveErrors.Count | Should -Be 2
            $again = @($SameSecond[2] | Save-VeoVideo -Destination $destination -FileNameTemplate 'clip.mp4' -Force)
            $again.Count | Should -Be 1
        }

        It 'a relative -Destination resolves against the PowerShell location' {
            $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'relative-work')
            Push-Location -LiteralPath $work
            try {
                $file = $SameSecond[0] | Save-VeoVideo -Destination 'videos'
            } finally { Pop-Location }
            $file.DirectoryName | Should -Be (Join-Path $work.FullName 'videos')
            Test-Path -LiteralPath (Join-Path $work.FullName "videos/$($file.Name)") | Should -BeTrue
        }

        It 'refuses the non-file-system -Destination <Destination> and writes nothing' -ForEach @(
            @{ Destination = 'env:\vids' }
            @{ Destination = 'variable:\vids' }
            @{ Destination = 'function:\vids' }
        ) {
            $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive ('provider-' + [guid]::NewGuid().ToString('n')))
            Push-Location -LiteralPath $work
            $processFolder = [Environment]::CurrentDirectory
            [Environment]::CurrentDirectory = $work.FullName
            try {
                $record = Get-VeoError { $SameSecond | Save-VeoVideo -Destination $Destination -ErrorAction SilentlyContinue }
            } finally {
                [Environment]::CurrentDirectory = $processFolder
                Pop-Location
            }
            $record | Should -Not -BeNullOrEmpty
            $record.FullyQualifiedErrorId | Should -BeLike 'NotAFileSystemPath,*'
            "$($record.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
            $record.Exception.Message | Should -Match ([regex]::Escape($Destination))
            @(Get-ChildItem -LiteralPath $work -Recurse -Force).Count | Should -Be 0
        }

        It 'refuses a -Destination on a drive that does not exist, naming the drive' {
            $record = Get-VeoError { $SameSecond[0] | Save-VeoVideo -Destination 'nosuchdrive:\vids' -ErrorAction SilentlyContinue }
            $record | Should -Not -BeNullOrEmpty
            $record.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
            "$($record.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $record.Exception.Message | Should -Match 'nosuchdrive'
        }
    }

    Context 'The folder, the template and the journal' {
        BeforeAll {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }

        It 'saves into a new folder named by the template and records the file in the journal' {
            $video = New-VeoVideo -Prompt 'to be saved [seconds=0.2]' | Wait-VeoVideo -PollIntervalSec 0.1
            $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'new/folder') -FileNameTemplate 'clip-{Uuid}.mp4'
            $file.FullName | Should -Be (Join-Path $TestDrive "new/folder/clip-$($video.Uuid).mp4")
            $file.Length | Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).length
            $entry = Get-VeoVideo -Uuid $video.Uuid
            $entry.SavedPath | Should -Be $file.FullName
            "$($entry.Status)" | Should -Be 'Completed'
        }

        It 'looks a uuid up first: a video not yet completed is VideoNotCompleted (InvalidOperation) and nothing is written' {
            $video = New-VeoVideo -Prompt 'not yet [seconds=30]'
            $destination = Join-Path $TestDrive 'not-yet'
            $saved = $video.Uuid | Save-VeoVideo -Destination $destination -ErrorVariable saveErrors -ErrorAction SilentlyContinue
            $saved | Should -BeNullOrEmpty
            $saveErrors.Count | Should -Be 1
            $saveErrors[0].FullyQualifiedErrorId | Should -BeLike 'VideoNotCompleted,*'
            "$($saveErrors[0].CategoryInfo.Category)" | Should -Be 'InvalidOperation'
            $saveErrors[0].Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
            @(Get-ChildItem -Path $destination -Recurse -File -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
    }
}

Describe 'Save-VeoVideo: file names from the template, and provenance' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'Get-ChildItem *.png | Send-VeoImage | New-VeoVideo | Wait-VeoVideo | Save-VeoVideo -FileNameTemplate {ImageName}.mp4' {
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

    Context '-FileNameTemplate {Prompt}' {
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

    Context 'An unknown template token' {
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

    Context '-Provenance' {
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
}

Describe 'Save-VeoVideo: {ImageName} from file names people have' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.2', '--latency-ms', '150'

        $script:Images = Join-Path $TestDrive 'images'
        $null = New-Item -ItemType Directory -Path $Images
        foreach ($hue in 0, 90) { New-VeoSamplePng -Path (Join-Path $Images "scene-$hue.png") -Hue $hue }

        # Generates one video from a copy of scene-0.png named $Name and saves it with $Template; returns the files and errors.
        function script:Save-FromImageNamed([string] $Name, [string] $Template) {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory -Path $dir
            $png = Join-Path $dir $Name
            Copy-Item -LiteralPath (Join-Path $Images 'scene-0.png') -Destination $png
            $files = @(New-VeoVideo -Prompt 'a long descriptive prompt about a heron standing in the reeds' -ImagePath $png |
                Wait-VeoVideo -PollIntervalSec 0.1 |
                Save-VeoVideo -Destination (Join-Path $dir 'out') -FileNameTemplate $Template -Provenance -ErrorVariable failures -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Files = $files; Errors = @($failures) }
        }
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'Names that are hard to carry over' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            Reset-VeoEmulatorStats $Emulator
            $null = Connect-Fresh
        }

        It 'an image named ~draft.png saves as _draft.mp4 (a leading ~ is not a rooted path)' {
            $result = Save-FromImageNamed '~draft.png' '{ImageName}.mp4'
            $result.Errors | Should -BeNullOrEmpty
            $result.Files.Name | Should -Be '_draft.mp4'
        }

        It 'a right-to-left override in the image name does not reach the video name' {
            $result = Save-FromImageNamed "a`u{202E}gnp.exe.png" '{ImageName}.mp4'
            $result.Errors | Should -BeNullOrEmpty
            $result.Files.Name | Should -Not -Match "[`u{202A}-`u{202E}`u{2066}-`u{2069}`u{200E}`u{200F}]"
        }

        It 'a long image name the file system holds still gives a video name it can hold, with the documented template (<Label>)' -ForEach @(
            @{ Label = '80 CJK characters, 244 bytes'; Name = ((-join (1..80 | ForEach-Object { [char]0x6F22 })) + '.png'); Template = '{ImageName}.mp4' }
            @{ Label = '200 ASCII characters with {Prompt}'; Name = ('x' * 200 + '.png'); Template = '{ImageName}-{Prompt}.mp4' }
        ) {
            $result = Save-FromImageNamed $Name $Template
            $result.Errors | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message } | Should -BeNullOrEmpty
            $result.Files.Count | Should -Be 1
            Test-Path -LiteralPath $result.Files[0].ProvenancePath | Should -BeTrue
        }
    }
}

Describe 'Save-VeoVideo into an Azure blob container (Azurite)' {
    BeforeAll {
        Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
        $script:Azurite = Start-VeoAzurite
        $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.2'
        $script:ConnectionString = ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force
        # Several 4 MiB blocks, so staging as the bytes arrive is visible in the committed block list.
        $script:BigVideo = 10MB + 12345

        function script:New-ContainerName([string] $Stem) { "$Stem-$([guid]::NewGuid().ToString('n').Substring(0, 8))" }

        function script:Connect-Blob([switch] $ConnectionString, [int] $MaxRetryCount = 3) {
            $parameters = @{ BaseUri = $Emulator.ApiUri; ApiKey = $Emulator.SecureKey; MaxRetryCount = $MaxRetryCount
                JournalPath = Join-Path $TestDrive "journal-$([guid]::NewGuid().ToString('n')).jsonl" }
            if ($ConnectionString) {
                # With a storage credential the journal is a blob too.
                $parameters.StorageConnectionString = $script:ConnectionString
                $parameters.JournalPath = "journals/save-$([guid]::NewGuid().ToString('n')).jsonl"
            }
            Connect-Veo @parameters
        }

        function script:New-CompletedVideo([string] $Prompt = 'a fox in a blob') {
            New-VeoVideo -Prompt $Prompt | Wait-VeoVideo -PollIntervalSec 0.1
        }

        function script:Get-BlobBytes([string] $Path) {
            $response = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $Path
            if ($response.StatusCode -ne 200) { return $null }
            , $response.RawContentStream.ToArray()
        }

        function script:Get-Sha256([byte[]] $Bytes) {
            $sha = [Security.Cryptography.SHA256]::Create()
            try { ([BitConverter]::ToString($sha.ComputeHash($Bytes)) -replace '-').ToLowerInvariant() } finally { $sha.Dispose() }
        }

        # The committed (visible) blobs of a container, by name.
        function script:Get-CommittedBlobs([string] $Container) {
            $url = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Container) + '&restype=container&comp=list'
            $response = Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -SkipHttpErrorCheck -NoProxy
            if ($response.StatusCode -eq 404) { return @() }
            $xml = [xml]([Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray()) -replace '^\uFEFF', '')
            @($xml.EnumerationResults.Blobs.Blob | Where-Object { $_ } | ForEach-Object { $_.Name })
        }

        # Block ids of a blob: 'committed' or 'uncommitted' (staged, not part of any blob yet).
        function script:Get-BlockIds([string] $Path, [string] $Type) {
            $url = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) + "&comp=blocklist&blocklisttype=$Type"
            $response = Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -SkipHttpErrorCheck -NoProxy
            if ($response.StatusCode -ne 200) { return @() }
            $xml = [xml]([Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray()) -replace '^\uFEFF', '')
            $list = if ($Type -eq 'committed') { $xml.BlockList.CommittedBlocks } else { $xml.BlockList.UncommittedBlocks }
            @($list.Block | Where-Object { $_ } | ForEach-Object { $_.Name })
        }
    }
    AfterAll {
        Disconnect-Veo -ErrorAction SilentlyContinue
        if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
        if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
    }

    Context 'Streaming, resuming, naming and overwriting' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            Set-VeoEmulatorConfig $Emulator @{ videoBytes = $BigVideo }
        }

        It 'streams the video into a block blob equal byte for byte to the CDN''s, staged in blocks, and journals its URL without the SAS' {
            Connect-Blob
            $container = New-ContainerName 'bytes'
            $containerSas = New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container
            $video = New-CompletedVideo
            $workDir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'untouched')
            Push-Location -LiteralPath $workDir
            try { $saved = $video | Save-VeoVideo -Destination $containerSas } finally { Pop-Location }

            $saved | Should -BeOfType ([Veo31.PowerShell.VeoSavedBlob])
            $saved.Uri.AbsoluteUri | Should -Be "$($Azurite.BlobEndpoint)/$container/$($video.Uuid).mp4"
            $saved.Uri.Query | Should -BeNullOrEmpty -Because 'the SAS is never shown'
            $saved.Container | Should -Be $container
            $saved.Name | Should -Be "$($video.Uuid).mp4"
            $saved.Length | Should -Be $BigVideo
            $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
            $saved.Sha256 | Should -Be $expected -Because 'the hash is computed while streaming'
            Get-Sha256 (Get-BlobBytes "$container/$($saved.Name)") | Should -Be $expected
            $head = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($saved.Name)" -Method Head
            $head.Headers['x-ms-blob-type'] | Should -Be 'BlockBlob'
            "$($head.Headers['Content-Type'])" | Should -Be 'video/mp4'
            @(Get-BlockIds "$container/$($saved.Name)" 'committed').Count | Should -Be 3 -Because 'the bytes are staged in 4 MiB blocks as they arrive'
            @(Get-ChildItem -LiteralPath $workDir -Force).Count | Should -Be 0 -Because 'nothing is written to the local disk'

            (Get-VeoVideo -Uuid $video.Uuid).SavedPath | Should -Be $saved.Uri.AbsoluteUri
            (Get-Content -Raw -LiteralPath (Get-VeoSession).JournalPath) | Should -Not -Match 'sig=' -Because 'the journal holds the URL without its SAS'
        }

        It 'resumes a transfer broken mid-way (Range, If-Range) into an intact blob' {
            Connect-Blob -ConnectionString
            $container = New-ContainerName 'resume'
            $video = New-CompletedVideo
            Reset-VeoEmulatorStats $Emulator
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate' -Count 1

            $verbose = $video | Save-VeoVideo -Destination $container -Verbose 4>&1
            $saved = $verbose | Where-Object { $_ -is [Veo31.PowerShell.VeoSavedBlob] }
            ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'resumed 1 time'
            (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 2
            $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
            $saved.Sha256 | Should -Be $expected
            Get-Sha256 (Get-BlobBytes "$container/$($video.Uuid).mp4") | Should -Be $expected
        }

        It 'never shows a partial blob: none while the video streams, none after a transfer that failed' {
            Connect-Blob -ConnectionString -MaxRetryCount 0
            $container = New-ContainerName 'partial'
            $video = New-CompletedVideo
            # Every request cut halfway: the first (20 MiB of 40) stages blocks, whatever the socket loses at the cut; then the
            # resumes run out.
            Set-VeoEmulatorConfig $Emulator @{ videoBytes = 40MB }
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate'
            $failure = try { $video | Save-VeoVideo -Destination $container -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'DownloadIncomplete*'
            Get-CommittedBlobs $container | Should -BeNullOrEmpty
            @(Get-BlockIds "$container/$($video.Uuid).mp4" 'uncommitted').Count | Should -BeGreaterThan 0 -Because 'blocks were staged, but staged blocks are not a blob'
            (Get-VeoVideo -Uuid $video.Uuid).SavedPath | Should -BeNullOrEmpty

            # While a transfer runs, a reader polling the container sees no blob, then the whole one.
            Clear-VeoEmulatorFault $Emulator
            Set-VeoEmulatorConfig $Emulator @{ videoBytes = 48MB }
            $listUrl = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container) + '&restype=container&comp=list'
            $watcher = Start-ThreadJob -ArgumentList $listUrl -ScriptBlock {
                param($url)
                $listings = 0
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while ([DateTime]::UtcNow -lt $deadline) {
                    $text = (Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -NoProxy).Content
                    $listings++
                    if ($text -match '<Content-Length>(\d+)</Content-Length>') { return [pscustomobject]@{ Listings = $listings; FirstLength = [long]$Matches[1] } }
                }
            }
            try {
                Start-Sleep -Milliseconds 300
                $saved = $video | Save-VeoVideo -Destination $container
                $seen = $watcher | Wait-Job -Timeout 90 | Receive-Job
            } finally { $watcher | Remove-Job -Force }
            $seen.Listings | Should -BeGreaterThan 1 -Because 'the container was listed while the video streamed'
            $seen.FirstLength | Should -Be 48MB -Because 'the first blob a reader sees is the whole video'
            $saved.Length | Should -Be 48MB
        }

        It 'names blobs by -FileNameTemplate under a prefix and writes the provenance blob beside each' {
            Connect-Blob -ConnectionString
            $container = New-ContainerName 'named'
            $video = New-CompletedVideo -Prompt 'A red kite over hills'
            $saved = $video | Save-VeoVideo -Destination "$container/runs/2025" -FileNameTemplate '{Prompt}-{Uuid}.mp4' -Provenance

            $saved.Name | Should -Be "runs/2025/a-red-kite-over-hills-$($video.Uuid).mp4"
            $saved.Uri.AbsoluteUri | Should -Be "$($Azurite.BlobEndpoint)/$container/$($saved.Name)"
            $saved.ProvenanceUri.AbsoluteUri | Should -Be "$($saved.Uri.AbsoluteUri).json"
            Get-CommittedBlobs $container | Sort-Object | Should -Be (@($saved.Name, "$($saved.Name).json") | Sort-Object)
            $provenance = [Text.Encoding]::UTF8.GetString((Get-BlobBytes "$container/$($saved.Name).json")) | ConvertFrom-Json
            $provenance.uuid | Should -Be $video.Uuid
            $provenance.prompt | Should -Be 'A red kite over hills'
            $provenance.video.fileName | Should -Be "a-red-kite-over-hills-$($video.Uuid).mp4"
            $provenance.video.sha256 | Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
            $provenance.video.size | Should -Be $BigVideo
            "$((Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($saved.Name).json" -Method Head).Headers['Content-Type'])" | Should -Be 'application/json'
        }

        It 'refuses an existing blob with FileExists before downloading, and replaces it with -Force' {
            Connect-Blob -ConnectionString
            $container = New-ContainerName 'exists'
            $video = New-CompletedVideo
            $first = $video | Save-VeoVideo -Destination $container -Provenance
            Reset-VeoEmulatorStats $Emulator

            $failure = try { $video | Save-VeoVideo -Destination $container -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'FileExists*'
            "$failure" | Should -Match '-Force'
            $failure = try { $video | Save-VeoVideo -Destination $container -FileNameTemplate 'other-{Uuid}.mp4' -Provenance -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeNullOrEmpty -Because 'another name with its own provenance is no clash'
            $failure = try {
                $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/clash.mp4.json" -Method Put -Headers @{ 'x-ms-blob-type' = 'BlockBlob' }
                $video | Save-VeoVideo -Destination $container -FileNameTemplate 'clash.mp4' -Provenance -ErrorAction Stop; $null
            } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'FileExists*'
            "$failure" | Should -Match 'provenance'
            Get-CommittedBlobs $container | Should -Not -Contain 'clash.mp4' -Because 'a provenance clash is found before the download'
            (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 1 -Because 'only the save under another name downloaded'

            $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($first.Name)" -Method Put -Headers @{ 'x-ms-blob-type' = 'BlockBlob' }
            $replaced = $video | Save-VeoVideo -Destination $container -Provenance -Force
            Get-Sha256 (Get-BlobBytes "$container/$($first.Name)") | Should -Be $replaced.Sha256
            $replaced.Length | Should -Be $BigVideo
        }
    }

    Context 'Destination forms and storage authentication for a save' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            Set-VeoEmulatorConfig $Emulator @{ videoBytes = 0 }
        }

        It 'saves with a container SAS URL with a prefix, a connection string with the container URL, and ''container/prefix''' {
            $video = $null
            Connect-Blob
            $video = New-CompletedVideo
            $container = New-ContainerName 'forms'
            $null = Invoke-WebRequest -Method Put -Uri ((New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container) + '&restype=container') -Headers @{ 'x-ms-version' = '2019-12-12' } -NoProxy
            $sasWithPrefix = New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$container/by-sas"
            ($video | Save-VeoVideo -Destination $sasWithPrefix).Name | Should -Be "by-sas/$($video.Uuid).mp4"

            Connect-Blob -ConnectionString
            ($video | Save-VeoVideo -Destination "$($Azurite.BlobEndpoint)/$container/by-url").Name | Should -Be "by-url/$($video.Uuid).mp4"
            ($video | Save-VeoVideo -Destination "$container/by-name").Name | Should -Be "by-name/$($video.Uuid).mp4"
            $local = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'still-a-folder')
            $local | Should -BeOfType ([IO.FileInfo]) -Because 'a rooted path stays a folder with a storage credential'
            Get-CommittedBlobs $container | Sort-Object | Should -Be (@("by-name/$($video.Uuid).mp4", "by-sas/$($video.Uuid).mp4", "by-url/$($video.Uuid).mp4"))
        }

        It 'refuses a wrong key with StorageFailed and a name that is no container, before downloading' {
            $wrongKey = $Azurite.ConnectionString -replace 'AccountKey=[^;]+', ('AccountKey=' + [Convert]::ToBase64String([byte[]](1..64)))
            Connect-Blob
            $video = New-CompletedVideo
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'journals/wrong-key.jsonl' `
                -StorageConnectionString (ConvertTo-SecureString $wrongKey -AsPlainText -Force)
            Reset-VeoEmulatorStats $Emulator
            $failure = try { $video | Save-VeoVideo -Destination (New-ContainerName 'wrong') -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'StorageFailed*'
            "$failure" | Should -Match 'HTTP 403'
            (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0 -Because 'the existence check fails before the download'

            $failure = try { $video | Save-VeoVideo -Destination 'Videos' -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters*'
            "$failure" | Should -Match ([regex]::Escape("./Videos"))
            (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
        }

        It 'refuses a destination that climbs out of the container it names (<Form>), before anything is sent' -ForEach @(
            @{ Form = 'container/../other'; Make = { param($c) "$c/../other" } }
            @{ Form = 'a URL with ..%2F'; Make = { param($c) (New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$c/..%2Fother") } }
        ) {
            Connect-Blob -ConnectionString
            $video = New-CompletedVideo
            Reset-VeoEmulatorStats $Emulator
            $destination = & $Make (New-ContainerName 'climb')
            $failure = try { $video | Save-VeoVideo -Destination $destination -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafePath*'
            "$failure" | Should -Not -Match 'sig='
            (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
        }

        It 'refuses a container URL over plain http to a remote host before anything is sent' {
            Connect-Blob
            $video = New-CompletedVideo
            $failure = try { $video | Save-VeoVideo -Destination 'http://storage.example.invalid/videos?sig=secret' -ErrorAction Stop; $null } catch { $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl*'
            "$failure" | Should -Not -Match 'secret'
        }

        It 'treats a bare name as a folder when the session has no storage credential' {
            Connect-Blob
            $video = New-CompletedVideo
            Push-Location -LiteralPath $TestDrive
            try { $saved = $video | Save-VeoVideo -Destination 'plainfolder' } finally { Pop-Location }
            $saved | Should -BeOfType ([IO.FileInfo])
            $saved.FullName | Should -Be (Join-Path $TestDrive "plainfolder/$($video.Uuid).mp4")
        }
    }

    Context 'Saving with a storage access token (Azurite over https, --oauth basic)' {
        # A token goes only over https; the child process trusts the throw-away certificate through SSL_CERT_FILE (Linux).
        BeforeAll {
            $script:Tls = New-VeoAzuriteCertificate -Path (Join-Path $TestDrive 'tls')
            $script:HttpsAzurite = Start-VeoAzurite -CertificatePath $Tls.CertificatePath -KeyPath $Tls.KeyPath
        }
        AfterAll {
            if ($script:HttpsAzurite) { Stop-VeoAzurite $script:HttpsAzurite }
        }

        It 'saves into a container of the journal''s account and by URL, and a token never appears in any stream' {
            $token = New-VeoAzuriteAccessToken
            $tokenFile = Join-Path $TestDrive 'token.txt'
            Set-Content -LiteralPath $tokenFile -Value $token -NoNewline
            $child = Join-Path $TestDrive 'token-child.ps1'
            Set-Content -LiteralPath $child -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$token = ConvertTo-SecureString (Get-Content -Raw -LiteralPath '$tokenFile') -AsPlainText -Force
`$session = Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) ``
    -JournalPath '$($HttpsAzurite.BlobEndpoint)/journals/token.jsonl' -StorageAccessToken `$token -PassThru -Verbose
`$video = New-VeoVideo -Prompt 'saved with a token' -Verbose | Wait-VeoVideo -PollIntervalSec 0.1 -Verbose
`$video | Save-VeoVideo -Destination 'token-videos' -Provenance -Verbose -Debug | ForEach-Object { "SAVED `$(`$_.Uri) `$(`$_.Sha256)" }
`$video | Save-VeoVideo -Destination '$($HttpsAzurite.BlobEndpoint)/token-videos/by-url' -Verbose | ForEach-Object { "SAVED `$(`$_.Uri) `$(`$_.Sha256)" }
`$session | Format-List * -Force | Out-String
"UUID `$(`$video.Uuid)"
try { `$video | Save-VeoVideo -Destination 'token-videos' -ErrorAction Stop } catch { "REFUSED `$(`$_.FullyQualifiedErrorId)" }
"@
            $saved = $env:SSL_CERT_FILE
            $env:SSL_CERT_FILE = $Tls.CertificatePath
            try {
                $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $child *>&1 | Out-String
            } finally { $env:SSL_CERT_FILE = $saved }
            $LASTEXITCODE | Should -Be 0 -Because $output
            $uuid = ([regex]::Match($output, 'UUID ([0-9a-f-]{36})')).Groups[1].Value
            $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $uuid).sha256
            $output | Should -Match ([regex]::Escape("SAVED $($HttpsAzurite.BlobEndpoint)/token-videos/$uuid.mp4 $expected"))
            $output | Should -Match ([regex]::Escape("SAVED $($HttpsAzurite.BlobEndpoint)/token-videos/by-url/$uuid.mp4 $expected"))
            $output | Should -Match 'REFUSED FileExists' -Because 'the blob exists and -Force was not given'
            $output | Should -Not -Match ([regex]::Escape($token)) -Because 'the token is never written to any stream'
            $output | Should -Not -Match ([regex]::Escape($token.Split('.')[1])) -Because 'no part of the token is written either'
            (Get-VeoEmulatorStats $Emulator).cdnAuthorizationHeaders | Should -BeNullOrEmpty
        }
    }
}
