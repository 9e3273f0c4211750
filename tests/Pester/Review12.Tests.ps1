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
