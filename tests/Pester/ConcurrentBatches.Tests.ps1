# Send-VeoImage and New-VeoVideo -ThrottleLimit: piped items run concurrently, results come out in input order,
# ShouldProcess asks per item before anything is sent, and Ctrl+C never forgets a paid request already on the wire.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '60', '--seed', '7'

    # Copies of the sample image, named so that input order is name order.
    $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'batch') -Force
    $script:Files = @(1..24 | ForEach-Object {
        $target = Join-Path $folder ('img-{0:00}.png' -f $_)
        Copy-Item -LiteralPath (Join-Path $FixturesPath 'sample.png') -Destination $target
        $target
    })
    $script:Names = @($Files | ForEach-Object { Split-Path -Leaf $_ })

    function script:Get-EmulatorJobPrompts([string] $Like) {
        # In creation order (the emulator lists jobs by the moment it created them).
        @((Invoke-RestMethod -Uri "$($Emulator.ControlUri)/jobs") | Where-Object prompt -Like $Like | ForEach-Object prompt)
    }

}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Order is kept at every -ThrottleLimit while completions come out of order' {
    BeforeAll {
        # 10 to 410 ms per request: concurrent requests overtake each other (24 items at 2 at a time all staying in
        # order is a chance well below one in a million).
        Set-VeoEmulatorConfig $Emulator @{ latencyMs = 10; latencyJitterMs = 400 }
    }
    AfterAll {
        Set-VeoEmulatorConfig $Emulator @{ latencyMs = 0; latencyJitterMs = 0 }
    }
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
    }

    It 'Send-VeoImage -ThrottleLimit <Limit> writes the images in input order' -ForEach @(
        @{ Limit = 1 }, @{ Limit = 2 }, @{ Limit = 4 }, @{ Limit = 16 }
    ) {
        Reset-VeoEmulatorStats $Emulator
        $images = @($Files | Send-VeoImage -ThrottleLimit $Limit)
        @($images | ForEach-Object { Split-Path -Leaf $_.Path }) | Should -Be $Names
        @($images.ImageKey | Sort-Object -Unique).Count | Should -Be 24
        # The emulator lists uploads in the order it handled them: at 1 that is input order, above 1 requests overtook each other.
        $handled = @((Get-VeoEmulatorStats $Emulator).uploadFileNames)
        $handled.Count | Should -Be 24
        @($handled | Sort-Object) | Should -Be $Names
        if ($Limit -eq 1) { $handled | Should -Be $Names }
        else { ($handled -join ',') | Should -Not -Be ($Names -join ',') -Because 'with jittered latency, completions come out of order' }
    }

    It 'New-VeoVideo -ThrottleLimit <Limit> writes the videos in input order' -ForEach @(
        @{ Limit = 1 }, @{ Limit = 2 }, @{ Limit = 4 }, @{ Limit = 16 }
    ) {
        $tag = "order $Limit $([guid]::NewGuid().ToString('n').Substring(0, 6))"
        $prompts = @(1..24 | ForEach-Object { '{0} #{1:00}' -f $tag, $_ })
        $videos = @($prompts | New-VeoVideo -ThrottleLimit $Limit)
        $videos.Prompt | Should -Be $prompts
        @($videos.Uuid | Sort-Object -Unique).Count | Should -Be 24
        $created = Get-EmulatorJobPrompts "$tag #*"
        @($created | Sort-Object) | Should -Be $prompts
        if ($Limit -eq 1) { $created | Should -Be $prompts }
        else { ($created -join ',') | Should -Not -Be ($prompts -join ',') -Because 'with jittered latency, completions come out of order' }
    }

    It 'runs at most -ThrottleLimit requests at once' {
        # Every request waits 300 ms on the emulator: 16 uploads at 4 at a time need at least 4 rounds.
        Set-VeoEmulatorConfig $Emulator @{ latencyMs = 300; latencyJitterMs = 0 }
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $images = @($Files[0..15] | Send-VeoImage -ThrottleLimit 4)
            $clock.Stop()
        } finally { Set-VeoEmulatorConfig $Emulator @{ latencyMs = 10; latencyJitterMs = 400 } }
        $images.Count | Should -Be 16
        # Sequential would take 16 x 300 ms = 4.8 s; 4 at a time 4 x 300 ms; 8 at a time 2 x 300 ms.
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1.15
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 4.5
    }
}

Describe '-ThrottleLimit is validated' {
    It '<Command> -ThrottleLimit <Value> is refused by parameter validation' -ForEach @(
        @{ Command = 'Send-VeoImage'; Value = 0 }, @{ Command = 'Send-VeoImage'; Value = 65 }
        @{ Command = 'New-VeoVideo'; Value = 0 }, @{ Command = 'New-VeoVideo'; Value = 65 }
    ) {
        Reset-VeoEmulatorStats $Emulator
        $arguments = if ($Command -eq 'Send-VeoImage') { @{ LiteralPath = $Files[0] } } else { @{ Prompt = 'never sent' } }
        { & $Command @arguments -ThrottleLimit $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'upload-video-image' + $stats.requests.'generate-video' | Should -Be 0
    }
}

Describe '-WhatIf asks per item and sends nothing' {
    It '<Pipeline> prints one What if line per item, in input order, and the emulator sees no request' -ForEach @(
        @{ Pipeline = 'Send-VeoImage'; Script = '$files | Send-VeoImage -ThrottleLimit 4 -WhatIf'; Pattern = 'What if: Performing the operation "Upload image" on target "(.+)"' }
        @{ Pipeline = 'New-VeoVideo'; Script = '1..6 | ForEach-Object { "what if $_" } | New-VeoVideo -ThrottleLimit 4 -WhatIf'; Pattern = "What if: Performing the operation `"Generate video \(spends credits\)`" on target `"text_to_video '(.+)' \(auto\)`"" }
    ) {
        Reset-VeoEmulatorStats $Emulator
        $listFile = Join-Path $TestDrive 'files.txt'
        Set-Content -LiteralPath $listFile -Value $Files[0..5]
        # What if lines go to the host, so a child pwsh's console output is read.
        $child = @"
Import-Module '$ModulePath'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
`$files = Get-Content -LiteralPath '$listFile'
$Script
"@
        $output = @(& (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $child 2>&1 | ForEach-Object { "$_" })
        $asked = @($output | ForEach-Object { if ($_ -match $Pattern) { $Matches[1] } })
        $expected = if ($Pipeline -eq 'Send-VeoImage') { @($Files[0..5]) } else { @(1..6 | ForEach-Object { "what if $_" }) }
        $asked | Should -Be $expected -Because ($output -join "`n")
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'upload-video-image' | Should -Be 0
        $stats.requests.'generate-video' | Should -Be 0
    }
}

Describe 'A bad item in the middle of a concurrent batch fails alone' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        Set-VeoEmulatorConfig $Emulator @{ latencyMs = 50; latencyJitterMs = 150 }
    }
    AfterEach {
        Set-VeoEmulatorConfig $Emulator @{ latencyMs = 0; latencyJitterMs = 0 }
    }

    It 'a file that is not an image, between good ones, is one ImageFormatNotSupported; the rest upload in order' {
        $text = Join-Path $TestDrive 'not-an-image.png'
        Set-Content -LiteralPath $text -Value 'plain text'
        $batch = @($Files[0..3]) + $text + @($Files[4..7])
        Reset-VeoEmulatorStats $Emulator
        $images = @($batch | Send-VeoImage -ThrottleLimit 4 -ErrorVariable imageErrors -ErrorAction SilentlyContinue)
        @($images.Path) | Should -Be @($Files[0..7])
        $imageErrors.Count | Should -Be 1
        $imageErrors[0].FullyQualifiedErrorId | Should -BeLike 'ImageFormatNotSupported,*'
        $imageErrors[0].TargetObject | Should -Be $text
        (Get-VeoEmulatorStats $Emulator).requests.'upload-video-image' | Should -Be 8
    }

    It 'an image the server refuses (1000), between good ones, is one InvalidParameters; the rest are generated in order' {
        $image = Send-VeoImage -LiteralPath $Files[0]
        $items = @(1..7 | ForEach-Object {
            if ($_ -eq 4) { [pscustomobject]@{ Prompt = 'middle refused'; ImageUrl = $image.ImageUrl + '-unknown'; ImageKey = $null } }
            else { [pscustomobject]@{ Prompt = "middle ok $_"; ImageUrl = $image.ImageUrl; ImageKey = $image.ImageKey } }
        })
        Reset-VeoEmulatorStats $Emulator
        $videos = @($items | New-VeoVideo -ThrottleLimit 4 -ErrorVariable newErrors -ErrorAction SilentlyContinue)
        $videos.Prompt | Should -Be @(1, 2, 3, 5, 6, 7 | ForEach-Object { "middle ok $_" })
        $newErrors.Count | Should -Be 1
        $newErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        $newErrors[0].TargetObject | Should -Be 'middle refused'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -Be 7
        $stats.generations | Should -Be 6
    }

    It 'insufficient credits stops a concurrent batch: nothing starts after the refusal, at most one request per slot was sent' {
        $poor = 'poor-' + [guid]::NewGuid().ToString('n')
        Set-VeoEmulatorKey $Emulator -Key $poor -Credits 1
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $poor -AsPlainText -Force)
        Reset-VeoEmulatorStats $Emulator
        $record = try { $null = 1..40 | ForEach-Object { "poor $_" } | New-VeoVideo -ThrottleLimit 4 -ErrorAction SilentlyContinue; $null } catch { $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'InsufficientCredits,*'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -BeLessOrEqual 4 -Because 'the requests already in flight are answered 1001; no new one starts'
        $stats.generations | Should -Be 0
    }
}

Describe 'Throttling during a concurrent batch' {
    It 'Send-VeoImage | New-VeoVideo at -ThrottleLimit 8 under --rate-limit-upload 3 and --rate-limit-generate 3: every item succeeds, in order' {
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        Set-VeoEmulatorConfig $Emulator @{ rateLimitUpload = 3; rateLimitGenerate = 3; retryAfter = 1 }
        try {
            Reset-VeoEmulatorStats $Emulator
            $videos = @($Files[0..11] | Send-VeoImage -ThrottleLimit 8 | Tee-Object -Variable images | New-VeoVideo -Prompt 'throttled batch' -ThrottleLimit 8 -ErrorVariable batchErrors)
        } finally { Set-VeoEmulatorConfig $Emulator @{ rateLimitUpload = 0; rateLimitGenerate = 0 } }
        $batchErrors.Count | Should -Be 0
        $videos.Count | Should -Be 12
        $stats = Get-VeoEmulatorStats $Emulator
        ($stats.rateLimited.'upload-video-image' + $stats.rateLimited.'generate-video') | Should -BeGreaterThan 0 -Because 'the batch must have met the limit'
        $stats.generations | Should -Be 12
        $stats.duplicateCharges | Should -Be 0
        @($images.Path) | Should -Be @($Files[0..11])
        @($videos.ImageKey) | Should -Be @($images.ImageKey)
        @($videos.ImageKey | Sort-Object -Unique).Count | Should -Be 12
        $videos.GenerationType | Sort-Object -Unique | Should -Be 'image_to_video'
    }
}

Describe 'Ctrl+C with several paid generations in flight' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
    }
    AfterEach {
        Clear-VeoEmulatorFault $Emulator
    }

    It 'starts nothing after the stop, waits for every request on the wire, and every accepted uuid is in the journal' {
        # Every generation is charged at once and answered 1.5 s later; four at a time.
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfter' -DelayMs 1500
        $tag = "stopped batch $([guid]::NewGuid().ToString('n').Substring(0, 6))"
        Reset-VeoEmulatorStats $Emulator
        $shell = New-StoppableShell $Emulator "1..12 | ForEach-Object { '$tag #{0:00}' -f `$_ } | New-VeoVideo -ThrottleLimit 4"
        try {
            $async = $shell.BeginInvoke()
            # Wait until the first four answers came back and the next four are on the wire.
            Wait-VeoEmulatorGenerations $Emulator 8
            (Get-VeoEmulatorStats $Emulator).generations | Should -Be 8
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally { $shell.Dispose() }
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'generate-video' | Should -Be 8 -Because 'nothing new starts after Ctrl+C'
        $stats.generations | Should -Be 8
        # The stop waited for the answers (held 1.5 s), so the journal already has every accepted uuid.
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 0.5
        $journaled = @(Get-VeoVideo | Where-Object Prompt -Like "$tag #*")
        $journaled.Count | Should -Be 8
        $journaled.Uuid | Should -Not -Contain $null
        @($journaled.Prompt | Sort-Object) | Should -Be @(1..8 | ForEach-Object { '{0} #{1:00}' -f $tag, $_ })
        $created = @((Invoke-RestMethod -Uri "$($Emulator.ControlUri)/jobs") | Where-Object prompt -Like "$tag #*")
        @($journaled.Uuid | Sort-Object) | Should -Be @($created.uuid | Sort-Object)
    }

    It 'a stop while the pipeline thread is upstream (in Send-VeoImage) still waits for the generations on the wire' {
        # Uploads take 700 ms each, one at a time; generations are answered 1.5 s after they are charged.
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'upload-video-image' -Kind 'delay' -DelayMs 700
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfter' -DelayMs 1500
        $tag = "stopped upstream $([guid]::NewGuid().ToString('n').Substring(0, 6))"
        $listFile = Join-Path $TestDrive 'upstream.txt'
        Set-Content -LiteralPath $listFile -Value $Files
        Reset-VeoEmulatorStats $Emulator
        $shell = New-StoppableShell $Emulator "Get-Content -LiteralPath '$listFile' | Send-VeoImage -ThrottleLimit 1 | New-VeoVideo -Prompt '$tag' -ThrottleLimit 4"
        try {
            $async = $shell.BeginInvoke()
            # Wait until a generation was charged after the first one, while its answer is still held back.
            Wait-VeoEmulatorGenerations $Emulator 2
            $shell.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally { $shell.Dispose() }
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -BeGreaterOrEqual 2
        # Right after the stop, before any answer could arrive late: every charged generation is in the journal.
        $journaled = @(Get-VeoVideo | Where-Object Prompt -EQ $tag)
        $journaled.Count | Should -Be $stats.generations
        $journaled.Uuid | Should -Not -Contain $null
    }
}
