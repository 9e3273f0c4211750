# Review 13 (hostile review of issue 13's refactors: error table, cmdlet base, timeouts, immutable exceptions, HeldLock):
# reproducers. Each It names what it does, what is expected and what happens instead.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'

    # The ErrorRecord a command ends with (terminating) or writes first (non-terminating).
    function script:Get-Review13Error([scriptblock] $Command) {
        $errors = $null
        try {
            $null = & $Command -ErrorAction SilentlyContinue -ErrorVariable errors
        } catch {
            return $_
        }
        if ($errors) { return $errors[0] }
        $null
    }
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
}

Describe 'Review 13: Connect-Veo stands behind the guard for every bad input' {
    AfterEach { Disconnect-Veo -ErrorAction SilentlyContinue }

    # The guard rethrows every RuntimeException as it is, and PowerShell's own path errors are RuntimeExceptions.
    It 'a -JournalPath on a drive that does not exist is a typed PathNotFound with a VeoApiException, not a raw DriveNotFoundException' {
        $record = Get-Review13Error { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'nosuchdrive13:\journal.jsonl' }
        $record | Should -Not -BeNullOrEmpty
        $record.Exception | Should -BeOfType ([Veo31.PowerShell.VeoApiException]) -Because "every record carries a VeoApiException (got $($record.Exception.GetType().FullName), id $($record.FullyQualifiedErrorId))"
        $record.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    # Save-VeoVideo -Destination and Send-VeoImage refuse env:/variable: paths with NotAFileSystemPath; Connect-Veo takes the
    # item name and puts the journal (the record of every paid uuid) in a file of that name in the current folder.
    It 'a -JournalPath on another provider''s drive (variable:) is NotAFileSystemPath, not a journal file silently made in the current folder' {
        Push-Location -LiteralPath $TestDrive
        try {
            $record = Get-Review13Error { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'variable:\review13journal' }
            $session = Get-VeoSession
            $record | Should -Not -BeNullOrEmpty -Because "Connect-Veo connected with the journal at '$($session.JournalPath)'"
            $record.FullyQualifiedErrorId | Should -BeLike 'NotAFileSystemPath,*'
        } finally { Pop-Location }
    }

    # A proxy the HTTP stack will never use is accepted; every later call then fails with UnexpectedError ("please report").
    It 'a -Proxy that is not an absolute http(s)/socks URI is refused by Connect-Veo as InvalidParameters, not by every later call as UnexpectedError' {
        $record = Get-Review13Error { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -Proxy 'proxy.example' }
        if (-not $record) {
            $later = Get-Review13Error { Get-VeoVideoStatus -Uuid 'review13-uuid' }
            $record | Should -Not -BeNullOrEmpty -Because "Connect-Veo accepted the proxy; the next call failed with $($later.FullyQualifiedErrorId): $($later.Exception.Message)"
        }
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
    }
}

Describe 'about_Veo31 names the ErrorCategory of every error id' {
    # The category list is checked against VeoErrorTable, the one place categories are decided (a hand-written paragraph drifted).
    It 'lists each id under exactly the category its records carry' {
        $about = Get-Content -Raw -LiteralPath (Join-Path $ModulePath 'en-US/about_Veo31.help.txt')
        $list = [regex]::Match($about, '(?s)The ErrorCategory follows the error.*?\n\s*\n(?<rows>(?: {8}\w+ +[\w, ]+\r?\n)+)').Groups['rows'].Value
        $list | Should -Not -BeNullOrEmpty
        $documented = @{}
        foreach ($row in $list -split '\r?\n' | Where-Object { $_.Trim() }) {
            $category, $ids = $row.Trim() -split ' +', 2
            foreach ($id in $ids -split ', *') { $documented[$id] = $category }
        }
        $rows = [Veo31.PowerShell.VeoSession].Assembly.GetType('Veo31.PowerShell.Infrastructure.VeoErrorTable').GetField('All').GetValue($null)
        $expected = @{}
        foreach ($spec in $rows) { $expected[$spec.Id] = "$($spec.Category)" }
        ($documented.Keys | Sort-Object) | Should -Be ($expected.Keys | Sort-Object)
        foreach ($id in $expected.Keys) { $documented[$id] | Should -Be $expected[$id] -Because "the records of $id carry $($expected[$id])" }
    }
}

Describe 'Review 13: HeldLock and a blob journal whose interrupted compaction cannot be finished' {
    BeforeAll {
        $script:Azurite = Start-VeoAzurite
        function script:Invoke-Blob([string] $Path, [string] $Query = '', [hashtable] $Headers = @{}, [byte[]] $Body) {
            $uri = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) + $Query
            $all = @{ 'x-ms-version' = '2019-12-12' } + $Headers
            if ($Body) { Invoke-WebRequest -Method PUT -Uri $uri -Headers $all -Body $Body -ContentType 'application/octet-stream' -SkipHttpErrorCheck -NoProxy }
            else { Invoke-WebRequest -Method PUT -Uri $uri -Headers $all -SkipHttpErrorCheck -NoProxy }
        }
        $null = Invoke-Blob -Path 'review13' -Query '&restype=container'
    }
    AfterAll {
        if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
    }

    # BlobJournalStore.Lock: when FinishInterruptedCompaction fails, the catch disposes the HeldLock (lease released,
    # Monitor.Exit) and rethrows; the outer catch then calls Monitor.Exit a second time, which throws
    # SynchronizationLockException. That is no VeoException, so JobService.TryJournal does not catch it and the accepted,
    # paid job's answer (its uuid) is thrown away.
    It 'a paid job is still output (with JournalWriteFailed/StorageFailed) when the journal lock fails while finishing a compaction' {
        $name = "review13/journal-$([guid]::NewGuid().ToString('n').Substring(0, 8)).jsonl"
        $line = '{"event":"submitted","uuid":"earlier-job","at":"' + [DateTimeOffset]::UtcNow.ToString('o') + '","prompt":"p","status":"pending"}' + "`n"
        # A journal flagged as compacting (a writer died mid-compaction) ...
        (Invoke-Blob -Path $name -Headers @{ 'x-ms-blob-type' = 'AppendBlob'; 'x-ms-meta-veo31compacting' = '1' }).StatusCode | Should -Be 201
        # ... whose snapshot sibling cannot be overwritten now: another party holds an infinite lease on it.
        (Invoke-Blob -Path "$name.compacting" -Headers @{ 'x-ms-blob-type' = 'BlockBlob' } -Body ([Text.Encoding]::UTF8.GetBytes($line))).StatusCode | Should -Be 201
        (Invoke-Blob -Path "$name.compacting" -Query '&comp=lease' -Headers @{ 'x-ms-lease-action' = 'acquire'; 'x-ms-lease-duration' = '-1' }).StatusCode | Should -Be 201

        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name)
        $before = (Invoke-RestMethod -Uri "$($Emulator.ControlUri)/jobs" -NoProxy).Count
        $errors = $null
        $video = $null
        try {
            $video = New-VeoVideo -Prompt 'review13 paid while the journal lock fails' -ErrorAction SilentlyContinue -ErrorVariable errors
        } catch {
            $errors = @($_)
        }
        $after = (Invoke-RestMethod -Uri "$($Emulator.ControlUri)/jobs" -NoProxy).Count
        $after | Should -Be ($before + 1) -Because 'the API accepted (and charged) the generation'
        $shown = @($errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) -join ' | '
        $video | Should -Not -BeNullOrEmpty -Because "the paid job's uuid must reach the user; got only: $shown"
        $video.Uuid | Should -Not -BeNullOrEmpty
        @($errors | Where-Object FullyQualifiedErrorId -Like 'UnexpectedError,*').Count | Should -Be 0 -Because $shown
    }
}
