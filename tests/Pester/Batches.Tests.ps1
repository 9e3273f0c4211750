# One bad item fails alone and the batch goes on; only what dooms every later item stops the pipeline.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'

    function script:Get-VeoError([scriptblock] $Action) {
        try { $null = & $Action; $null } catch { $_ }
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'New-VeoVideo: a bad prompt fails alone' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
    }

    It "'a fox','   ','a bear' | New-VeoVideo | Wait-VeoVideo | Save-VeoVideo gives 2 videos and 1 error" {
        $destination = Join-Path $TestDrive 'fox-and-bear'
        Reset-VeoEmulatorStats $Emulator
        $all = @(& { 'a fox', '   ', 'a bear' | New-VeoVideo | Wait-VeoVideo -PollIntervalSec 0.1 | Save-VeoVideo -Destination $destination } 2>&1)
        $files = @($all | Where-Object { $_ -is [System.IO.FileInfo] })
        $batchErrors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $files.Count | Should -Be 2
        @(Get-ChildItem -LiteralPath $destination -File).Count | Should -Be 2
        $batchErrors.Count | Should -Be 1
        $batchErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        "$($batchErrors[0].CategoryInfo.Category)" | Should -Be 'InvalidArgument'
        $batchErrors[0].TargetObject | Should -Be '   '
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 2
    }

    It 'a piped <Name> prompt is a non-terminating InvalidParameters for that item, before any request' -ForEach @(
        @{ Name = 'empty'; Prompt = '' }
        @{ Name = 'whitespace-only'; Prompt = " `t " }
        @{ Name = 'too long'; Prompt = ('x' * 2001) }
        @{ Name = 'control-character'; Prompt = "bell`a here" }
        @{ Name = 'escape-sequence'; Prompt = "red `e[31m text" }
    ) {
        Reset-VeoEmulatorStats $Emulator
        $videos = @('first', $Prompt, 'last' | New-VeoVideo -ErrorVariable promptErrors -ErrorAction SilentlyContinue)
        $videos.Prompt | Should -Be @('first', 'last')
        $promptErrors.Count | Should -Be 1
        $promptErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        $promptErrors[0].Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        $promptErrors[0].TargetObject | Should -Be $Prompt
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 2
    }

    It 'a prompt bound by property name is an item too' {
        $items = [pscustomobject]@{ Prompt = 'by name one' }, [pscustomobject]@{ Prompt = '  ' }, [pscustomobject]@{ Prompt = 'by name two' }
        $videos = @($items | New-VeoVideo -ErrorVariable promptErrors -ErrorAction SilentlyContinue)
        $videos.Count | Should -Be 2
        $promptErrors.Count | Should -Be 1
        $promptErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
    }

    # An argument typed on the command line is the same for every item, so a bad one stops the command before anything
    # is sent, as PowerShell's own parameter validation does; a piped value is one item among others and fails alone.
    It 'a bound <Name> -Prompt stops the command with InvalidParameters before any request' -ForEach @(
        @{ Name = 'empty'; Prompt = '' }
        @{ Name = 'whitespace-only'; Prompt = '   ' }
        @{ Name = 'too long'; Prompt = ('y' * 2001) }
    ) {
        Reset-VeoEmulatorStats $Emulator
        $record = Get-VeoError { New-VeoVideo -Prompt $Prompt -ErrorAction SilentlyContinue }
        $record | Should -Not -BeNullOrEmpty -Because 'a bad argument ends the command'
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        "$($record.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
        $images = @([pscustomobject]@{ ImageUrl = 'http://127.0.0.1:1/a.png'; ImageKey = 'a' }, [pscustomobject]@{ ImageUrl = 'http://127.0.0.1:1/b.png'; ImageKey = 'b' })
        $record = Get-VeoError { $images | New-VeoVideo -Prompt $Prompt -ErrorAction SilentlyContinue }
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 0
    }

    It 'insufficient credits dooms every later prompt, so it stops the batch after one request' {
        $poor = 'poor-' + [guid]::NewGuid().ToString('n')
        Set-VeoEmulatorKey $Emulator -Key $poor -Credits 1
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $poor -AsPlainText -Force)
        Reset-VeoEmulatorStats $Emulator
        $record = Get-VeoError { 'one', 'two', 'three' | New-VeoVideo -ThrottleLimit 1 -ErrorAction SilentlyContinue }
        $record.FullyQualifiedErrorId | Should -BeLike 'InsufficientCredits,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 1
    }
}

Describe 'Send-VeoImage: a bad path fails alone' {
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

Describe 'Save-VeoVideo: one command never overwrites its own files' {
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
