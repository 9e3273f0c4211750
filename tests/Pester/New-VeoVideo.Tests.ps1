# New-VeoVideo: one video per prompt (text, a piped image, a manifest row), a bad item failing alone, never paying
# twice (-Reuse), the source image carried along, and every paid request journaled whatever happens.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'New-VeoVideo: one video per prompt' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '1'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'With a text prompt' {
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
            Get-VeoVideo | Where-Object Prompt -EQ 'what if this cost credits' | Should -BeNullOrEmpty -Because 'nothing is journaled'
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

    Context 'Piped prompts and the verbose stream' {
        It 'turns piped prompts into one video each, in input order, each with the bound -AspectRatio and each journaled' {
            $videos = @('first line', 'second line', 'third line' | New-VeoVideo -AspectRatio 9:16)
            $videos.Prompt | Should -Be @('first line', 'second line', 'third line')
            $videos.AspectRatio | Should -Be @('9:16', '9:16', '9:16')
            # Piped prompts are submitted concurrently: the journal holds them in the order the API accepted them.
            $journaled = @(Get-VeoVideo | Where-Object Uuid -In $videos.Uuid)
            @($journaled.Uuid | Sort-Object) | Should -Be @($videos.Uuid | Sort-Object)
        }

        It '-Verbose shows the request on the verbose stream, never the key' {
            $verbose = @(New-VeoVideo -Prompt 'verbose please' -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            ($verbose -join "`n") | Should -Match 'generate-video'
            ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($Emulator.ApiKey))
        }
    }
}

Describe 'New-VeoVideo: a bad prompt fails alone' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'A piped bad prompt fails alone; a bound one stops the command' {
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
            $stats = Get-VeoEmulatorStats $Emulator
            $stats.generations | Should -Be 2
            # Requests, not charges: the emulator itself refuses some of these prompts (code 1000) without charging.
            $stats.requests.'generate-video' | Should -Be 2
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
}

Describe 'New-VeoVideo -Reuse and -ImagePath' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.2'

        function script:Get-Stat([string] $Endpoint) { [int](Get-VeoEmulatorStats $Emulator).requests.$Endpoint }

        $script:Images = Join-Path $TestDrive 'images'
        $null = New-Item -ItemType Directory -Path $Images
        foreach ($hue in 0, 90, 180) { New-VeoSamplePng -Path (Join-Path $Images "scene-$hue.png") -Hue $hue }
        Copy-Item (Join-Path $FixturesPath 'not-an-image.png') (Join-Path $Images 'fake.png')
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'New-VeoVideo -Reuse: never pay twice for the same video' {
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

    Context 'New-VeoVideo -ImagePath: batches from a manifest' {
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
}

Describe 'New-VeoVideo: identical requests in flight and manifests as people write them' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.2', '--latency-ms', '150'

        $script:Images = Join-Path $TestDrive 'images'
        $null = New-Item -ItemType Directory -Path $Images
        foreach ($hue in 0, 90) { New-VeoSamplePng -Path (Join-Path $Images "scene-$hue.png") -Hue $hue }
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context '-Reuse pays once for identical requests in flight, or one whose answer was lost' {
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

    Context 'CSV manifests as people write them' {
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
}

Describe 'New-VeoVideo: the source image travels with the video' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.5'
    }
    AfterAll {
        Stop-VeoTestSession $script:Emulator
    }

    Context 'ImageSource through the pipeline and the journal' {
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
}

Describe 'New-VeoVideo: a paid request is journaled whatever happens' {
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

    Context 'A paid request and Ctrl+C' {
        It 'a stop while the charging request is on the wire still journals the uuid' {
            Reset-VeoEmulatorStats $Emulator
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfter' -DelayMs 1500 -Count 1
            $shell = New-StoppableShell $Emulator "New-VeoVideo -Prompt 'paid then stopped'"
            try {
                $async = $shell.BeginInvoke()
                # Stop once the request is charged and its answer is still held back (1.5 s).
                Wait-VeoEmulatorGenerations $Emulator 1
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
