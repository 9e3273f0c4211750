# Hostile review of issue 12 (batches, reuse, caps, manifests, naming, provenance): what a real user, script or
# journal does that the feature's own tests did not.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.2', '--latency-ms', '150'

    function script:Connect-Fresh([hashtable] $Options = @{}) {
        $journal = Join-Path $TestDrive ('journal-' + [guid]::NewGuid().ToString('n') + '.jsonl')
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal @Options
        $journal
    }

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

Describe 'Review 12: paying twice' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
        $null = Connect-Fresh
    }

    It 'two identical manifest rows (-ImagePath, same image and prompt) with -Reuse at -ThrottleLimit 4 pay once' {
        $png = Join-Path $Images 'scene-0.png'
        $rows = 1..2 | ForEach-Object { [pscustomobject]@{ Prompt = 'same row twice'; AspectRatio = '16:9'; ImagePath = $png } }
        $videos = @($rows | New-VeoVideo -Reuse -ThrottleLimit 4)
        $videos.Count | Should -Be 2
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
        $videos[1].Uuid | Should -Be $videos[0].Uuid
        $videos[1].Reused | Should -BeTrue
    }

    It 'an identical -Reuse request waiting on one whose answer was lost (perhaps charged) is not sent again' {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'dropAfter' -Count 1
        $null = @('lost twin', 'lost twin' | New-VeoVideo -Reuse -ThrottleLimit 2 -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'GenerationOutcomeUnknown,*'
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
    }
}

Describe 'Review 12: caps' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
    }

    It 'the daily cap holds when the journal can be read but not written (every accepted job is still spent)' {
        $journal = Connect-Fresh @{ MaxGenerationsPerDay = 1 }
        # Something else holds the journal's lock path: appends fail, reads work.
        $null = New-Item -ItemType Directory -Path ($journal + '.lock')
        $record = $null
        try { 'one', 'two', 'three' | New-VeoVideo -ThrottleLimit 1 -ErrorAction SilentlyContinue | Out-Null } catch { $record = $_ }
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
        $record.FullyQualifiedErrorId | Should -BeLike 'QuotaExceeded,*'
        (Get-VeoSession).GenerationsLast24Hours | Should -Be 1
    }

    It 'the daily cap counts submitted lines an older release wrote (no fingerprint)' {
        $journal = Join-Path $TestDrive ('journal-old-' + [guid]::NewGuid().ToString('n') + '.jsonl')
        $at = [DateTimeOffset]::UtcNow.AddHours(-1).ToString('o')
        $line = '{"event":"submitted","uuid":"11111111-2222-3333-4444-555555555555","at":"' + $at + '","prompt":"last night","generationType":"text_to_video","aspectRatio":"auto","status":"pending"}'
        Set-Content -LiteralPath $journal -Value $line -Encoding utf8NoBOM
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal -MaxGenerationsPerDay 1
        (Get-VeoSession).GenerationsLast24Hours | Should -Be 1
        { New-VeoVideo -Prompt 'one more today' } | Should -Throw -ErrorId 'QuotaExceeded,*'
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 0
    }
}

Describe 'Review 12: manifests as people write them' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
        $null = Connect-Fresh
    }

    It 'a CSV row with its AspectRatio cell left empty gets the default aspect ratio' {
        $csv = Join-Path $TestDrive 'empty-ar.csv'
        "Prompt,AspectRatio,ImagePath`n""pan left"",,$(Join-Path $Images 'scene-0.png')`n""pan right"",16:9,$(Join-Path $Images 'scene-90.png')" | Set-Content -LiteralPath $csv
        $videos = @(Import-Csv -LiteralPath $csv | New-VeoVideo -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures | Should -BeNullOrEmpty
        $videos.AspectRatio | Should -Be @('auto', '16:9')
    }

    It 'a CSV with an ImageUrl column left empty on ImagePath rows and on text rows: every row is generated' {
        $csv = Join-Path $TestDrive 'mixed.csv'
        "Prompt,AspectRatio,ImagePath,ImageUrl`n""pan left"",auto,$(Join-Path $Images 'scene-0.png'),`n""text only"",auto,," | Set-Content -LiteralPath $csv
        $videos = @(Import-Csv -LiteralPath $csv | New-VeoVideo -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures | Should -BeNullOrEmpty
        $videos.GenerationType | Should -Be @('image_to_video', 'text_to_video')
    }
}

Describe 'Review 12: {ImageName} from file names people have' {
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

Describe 'Review 12: Get-VeoSession when the journal cannot be read' {
    It 'still shows what this session spent (counted in memory, not in the journal)' {
        $journal = Join-Path $TestDrive ('journal-dir-' + [guid]::NewGuid().ToString('n'))
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal -MaxGenerations 3 -MaxGenerationsPerDay 5
        # The journal's place turns into a folder after connecting (a share remounted, a mistake): it cannot be read.
        $null = New-Item -ItemType Directory -Path $journal
        $session = Get-VeoSession
        $session.GenerationsLast24Hours | Should -BeNullOrEmpty
        $session.GenerationsSpent | Should -Be 0
        $session.GenerationsLeft | Should -Be 3
    }

    It 'a folder given as the journal is refused when connecting, not at the first paid job' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive ('journal-folder-' + [guid]::NewGuid().ToString('n')))
        { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $folder.FullName } | Should -Throw -ErrorId 'InvalidParameters,*'
    }
}
