# Spending caps: a generation that would exceed a cap is refused before anything is sent (QuotaExceeded ends the
# command); the daily cap counts the journal's paid entries of the last 24 hours, whichever process or run made them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'

    function script:Connect-Capped([hashtable] $Caps, [string] $Journal = (Join-Path $TestDrive ("journal-" + [guid]::NewGuid().ToString('n') + '.jsonl'))) {
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $Journal @Caps
        $Journal
    }

    # Runs New-VeoVideo for each prompt in a fresh pwsh sharing the journal; returns how many were accepted and the
    # error ids, as the child saw them.
    function script:Invoke-ChildGeneration([string] $Journal, [string[]] $Prompts, [string] $DailyCap) {
        $script = @"
Import-Module '$ModulePath'
`$ErrorActionPreference = 'Stop'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$Journal'
`$ids = @()
`$made = @(try { '$($Prompts -join "','")' | New-VeoVideo } catch { `$ids += `$_.FullyQualifiedErrorId })
@{ Made = `$made.Count; Errors = `$ids; Day = (Get-VeoSession).GenerationsLast24Hours } | ConvertTo-Json -Compress
"@
        $saved = $env:VEO_MAX_GENERATIONS_PER_DAY
        $env:VEO_MAX_GENERATIONS_PER_DAY = $DailyCap
        try {
            $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
        } finally {
            $env:VEO_MAX_GENERATIONS_PER_DAY = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output | Select-Object -Last 1) | ConvertFrom-Json
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Connect-Veo -MaxGenerations: a cap per session' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
    }

    It 'the third of three piped prompts under a cap of 2 ends the command with QuotaExceeded, and is never sent' {
        $null = Connect-Capped @{ MaxGenerations = 2 }
        $videos = [Collections.Generic.List[object]]::new()
        $record = $null
        try { 'one', 'two', 'three' | New-VeoVideo | ForEach-Object { $videos.Add($_) } } catch { $record = $_ }
        $videos.Prompt | Should -Be @('one', 'two')
        $record.FullyQualifiedErrorId | Should -BeLike 'QuotaExceeded,*'
        "$($record.CategoryInfo.Category)" | Should -Be 'QuotaExceeded'
        $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        $record.Exception.Message | Should -Match 'cap of 2'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 2
        $session = Get-VeoSession
        $session.MaxGenerations | Should -Be 2
        $session.GenerationsSpent | Should -Be 2
        $session.GenerationsLeft | Should -Be 0
    }

    It 'a cap of 0 refuses the first generation with 0 requests sent' {
        $null = Connect-Capped @{ MaxGenerations = 0 }
        { New-VeoVideo -Prompt 'nothing allowed' } | Should -Throw -ErrorId 'QuotaExceeded,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 0
    }

    It 'a generation the API refused (nothing charged) gives its place back' {
        $null = Connect-Capped @{ MaxGenerations = 1 }
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'escapeText' -Count 1
        New-VeoVideo -Prompt 'refused by the API' -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        (Get-VeoSession).GenerationsSpent | Should -Be 0
        (New-VeoVideo -Prompt 'accepted after the refusal').Uuid | Should -Not -BeNullOrEmpty
        (Get-VeoSession).GenerationsLeft | Should -Be 0
    }

    It 'a lost answer (outcome unknown: perhaps charged) counts against the cap' {
        $null = Connect-Capped @{ MaxGenerations = 1 }
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'slowAfterDrop' -DelayMs 50 -Count 1
        New-VeoVideo -Prompt 'answer lost' -ErrorVariable lost -ErrorAction SilentlyContinue
        $lost[0].FullyQualifiedErrorId | Should -BeLike 'GenerationOutcomeUnknown,*'
        { New-VeoVideo -Prompt 'one too many' } | Should -Throw -ErrorId 'QuotaExceeded,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 1
    }

    It '-WhatIf spends nothing from the cap' {
        $null = Connect-Capped @{ MaxGenerations = 1 }
        New-VeoVideo -Prompt 'only a question' -WhatIf
        (Get-VeoSession).GenerationsSpent | Should -Be 0
        (New-VeoVideo -Prompt 'the real one').Uuid | Should -Not -BeNullOrEmpty
    }
}

Describe 'Connect-Veo -MaxGenerationsPerDay: a rolling 24-hour cap counted from the journal' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
    }

    It 'holds across two processes sharing the journal ($env:VEO_MAX_GENERATIONS_PER_DAY), then in this one' {
        $journal = Join-Path $TestDrive 'daily-shared.jsonl'
        $first = Invoke-ChildGeneration $journal @('first run a', 'first run b') '3'
        $first.Made | Should -Be 2
        @($first.Errors).Count | Should -Be 0
        $second = Invoke-ChildGeneration $journal @('second run a', 'second run b') '3'
        $second.Made | Should -Be 1
        @($second.Errors) | Should -BeLike 'QuotaExceeded,*'
        $second.Day | Should -Be 3
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 3

        $null = Connect-Capped @{ MaxGenerationsPerDay = 3 } $journal
        $session = Get-VeoSession
        $session.GenerationsLast24Hours | Should -Be 3
        $session.GenerationsLeftToday | Should -Be 0
        $record = $null
        try { New-VeoVideo -Prompt 'third process' } catch { $record = $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'QuotaExceeded,*'
        $record.Exception.Message | Should -Match 'daily cap of 3'
        $record.Exception.Message | Should -Match 'allowed after'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 3
    }

    It 'a paid entry older than 24 hours no longer counts; a job only looked up by uuid never did' {
        $journal = Join-Path $TestDrive 'daily-old.jsonl'
        $old = (Get-Date).ToUniversalTime().AddHours(-25).ToString('o')
        $recent = (Get-Date).ToUniversalTime().AddHours(-1).ToString('o')
        @(
            '{"event":"submitted","uuid":"11111111-1111-1111-1111-111111111111","at":"' + $old + '","prompt":"yesterday","fingerprint":"00112233445566aa"}'
            '{"event":"status","uuid":"22222222-2222-2222-2222-222222222222","at":"' + $recent + '","status":"completed"}'
        ) | Set-Content -LiteralPath $journal -Encoding utf8NoBOM
        $null = Connect-Capped @{ MaxGenerationsPerDay = 1 } $journal
        (Get-VeoSession).GenerationsLast24Hours | Should -Be 0
        (New-VeoVideo -Prompt 'today''s only one').Uuid | Should -Not -BeNullOrEmpty
        { New-VeoVideo -Prompt 'today''s second' } | Should -Throw -ErrorId 'QuotaExceeded,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 1
    }

    It 'a parameter overrides the environment variable' {
        $env:VEO_MAX_GENERATIONS_PER_DAY = '0'
        try {
            $null = Connect-Capped @{ MaxGenerationsPerDay = 5 }
            (Get-VeoSession).MaxGenerationsPerDay | Should -Be 5
            $null = Connect-Capped @{}
            (Get-VeoSession).MaxGenerationsPerDay | Should -Be 0
        } finally {
            Remove-Item Env:VEO_MAX_GENERATIONS_PER_DAY
        }
    }

    It 'a daily cap in the environment that is not a whole number stops Connect-Veo with InvalidParameters' -ForEach @(
        @{ Value = 'ten' }, @{ Value = '-1' }, @{ Value = '2.5' }
    ) {
        $env:VEO_MAX_GENERATIONS_PER_DAY = $Value
        try {
            { Connect-Capped @{} } | Should -Throw -ErrorId 'InvalidParameters,*'
        } finally {
            Remove-Item Env:VEO_MAX_GENERATIONS_PER_DAY
        }
    }
}

Describe 'Spending caps when the journal misbehaves' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Reset-VeoEmulatorStats $Emulator
    }

    It 'nothing is spent while the journal can be read but not locked for writing (a uuid it could not record)' {
        $journal = Connect-Fresh @{ MaxGenerationsPerDay = 1 }
        # Something else holds the journal's lock path: reads work, the lock (and so every append) fails.
        $null = New-Item -ItemType Directory -Path ($journal + '.lock')
        $errors = $null
        'one', 'two', 'three' | New-VeoVideo -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable errors | Out-Null
        (Get-VeoEmulatorStats $Emulator).generations | Should -Be 0
        @($errors).Count | Should -Be 3
        @($errors | Where-Object { $_.Exception.Message -match 'cannot be locked' }).Count | Should -Be 3
        (Get-VeoSession).GenerationsLast24Hours | Should -Be 0
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
