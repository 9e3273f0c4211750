# The job journal in an Azure append blob (Azurite on 127.0.0.1): the same records and cmdlets as the file journal,
# shared by every process and machine, safe for several writers, compacted under a lease, and resumable after a kill.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
    $script:Azurite = Start-VeoAzurite
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $script:ConnectionString = ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force

    function script:New-BlobName([string] $Stem) { "journals/$Stem-$([guid]::NewGuid().ToString('n').Substring(0, 8)).jsonl" }

    function script:Get-BlobText([string] $Name) {
        $response = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $Name
        if ($response.StatusCode -ne 200) { return $null }
        [Text.Encoding]::UTF8.GetString($response.Content)
    }

    # Runs a script in a fresh pwsh with the module imported and connected to the emulator; returns its output lines.
    function script:Invoke-Child([string] $Body) {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$connectionString = ConvertTo-SecureString '$($Azurite.ConnectionString)' -AsPlainText -Force
$Body
"@
        $file = Join-Path $TestDrive ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value $script
        $file
    }

    function script:Start-Child([string] $File) {
        Start-Process -FilePath (Get-DotnetPath) -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $File) `
            -PassThru -RedirectStandardOutput "$File.out" -RedirectStandardError "$File.err"
    }
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
}

Describe 'The journal in an append blob' {
    It 'records a job, its statuses and its save in an append blob that a new session reads back' {
        $name = New-BlobName 'roundtrip'
        $sasUrl = New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name
        $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $sasUrl -PassThru
        $session.JournalPath | Should -Be "$($Azurite.BlobEndpoint)/$name" -Because 'the location is shown without its SAS'

        $video = New-VeoVideo -Prompt 'blob round trip' | Wait-VeoVideo -PollIntervalSec 0.1
        $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'roundtrip')
        $video.Status | Should -Be 'Completed'

        $properties = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $name -Method Head
        $properties.Headers['x-ms-blob-type'] | Should -Be 'AppendBlob'
        $lines = @((Get-BlobText $name) -split "`n" | Where-Object { $_ })
        $records = @($lines | ForEach-Object { $_ | ConvertFrom-Json })
        $records[0].event | Should -Be 'submitted'
        $records[-1].event | Should -Be 'saved'
        # One status record per change the polls saw (processing may or may not be seen): the last one is completed.
        @($records[1..($records.Count - 2)].event | Select-Object -Unique) | Should -Be @('status')
        $records[-2].status | Should -Be 'completed'

        Disconnect-Veo
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        $entry = Get-VeoVideo -Uuid $video.Uuid
        $entry.Status | Should -Be 'Completed'
        $entry.Prompt | Should -Be 'blob round trip'
        $entry.SavedPath | Should -Be $file.FullName
        @(Get-VeoVideo -Pending).Count | Should -Be 0
    }

    It 'reads the journal named by $env:VEO_JOURNAL as a SAS URL without a session' {
        $name = New-BlobName 'environment'
        $sasUrl = New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $sasUrl
        $uuid = (New-VeoVideo -Prompt 'read without a session').Uuid
        Disconnect-Veo
        $env:VEO_JOURNAL = $sasUrl
        try {
            (Get-VeoVideo -Pending).Uuid | Should -Be $uuid
        } finally { Remove-Item Env:VEO_JOURNAL }
    }

    It 'loses nothing when two processes append at once' {
        $name = New-BlobName 'two-writers'
        $children = foreach ($writer in 'a', 'b') {
            $file = Invoke-Child @"
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$name' -StorageConnectionString `$connectionString
1..12 | ForEach-Object { (New-VeoVideo -Prompt "writer $writer `$_").Uuid }
"@
            [pscustomobject]@{ File = $file; Process = Start-Child $file }
        }
        $submitted = foreach ($child in $children) {
            $child.Process.WaitForExit(180000) | Should -BeTrue
            $child.Process.ExitCode | Should -Be 0 -Because (Get-Content -Raw -LiteralPath "$($child.File).err")
            Get-Content -LiteralPath "$($child.File).out" | Where-Object { $_ -match '^[0-9a-f-]{36}$' }
        }
        @($submitted).Count | Should -Be 24

        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be ($submitted | Sort-Object)
        $lines = @((Get-BlobText $name) -split "`n" | Where-Object { $_ })
        @($lines | Where-Object { ($_ | ConvertFrom-Json).event -eq 'submitted' }).Count | Should -Be 24 -Because 'every line is a whole record'
    }

    It 'resumes in a new process from the blob journal after pwsh was killed mid-wait' {
        $name = New-BlobName 'killed'
        $marker = Join-Path $TestDrive 'blob-submitted.txt'
        $file = Invoke-Child @"
`$env:VEO_JOURNAL = '$(New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name)'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
`$videos = 1..4 | ForEach-Object { New-VeoVideo -Prompt "killed mid-wait `$_ [seconds=6]" }
Set-Content -LiteralPath '$marker' -Value (`$videos.Uuid -join ',')
`$videos | Wait-VeoVideo -PollIntervalSec 0.5
"@
        $child = Start-Child $file
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not (Test-Path -LiteralPath $marker) -and [DateTime]::UtcNow -lt $deadline -and -not $child.HasExited) { Start-Sleep -Milliseconds 100 }
            Test-Path -LiteralPath $marker | Should -BeTrue -Because (Get-Content -Raw -LiteralPath "$file.err" -ErrorAction SilentlyContinue)
            Start-Sleep -Milliseconds 500
            $child.HasExited | Should -BeFalse -Because 'the child must still be waiting when it is killed'
            $child.Kill($true)
            $null = $child.WaitForExit(10000)
        } finally {
            if (-not $child.HasExited) { $child.Kill($true) }
        }
        $submitted = (Get-Content -Raw -LiteralPath $marker).Trim() -split ','

        $resume = Invoke-Child @"
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$name' -StorageConnectionString `$connectionString
Get-VeoVideo -Pending | Wait-VeoVideo -PollIntervalSec 0.5 | ForEach-Object { "`$(`$_.Uuid)=`$(`$_.Status)" }
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $resume
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $finished = @($output | Where-Object { $_ -match '=Completed$' } | ForEach-Object { ($_ -split '=')[0] })
        $finished | Sort-Object | Should -Be ($submitted | Sort-Object)
    }
}

Describe 'Compaction and the lease' {
    BeforeAll {
        # A journal of two jobs written as 300 status lines: far more lines than jobs, so the next write compacts it.
        function script:New-BloatedJournal([string] $Name) {
            $uuids = 'aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002'
            $at = [DateTimeOffset]::UtcNow.ToString('o')
            $lines = foreach ($uuid in $uuids) { '{"event":"submitted","uuid":"' + $uuid + '","at":"' + $at + '","prompt":"bloated","status":"pending"}' }
            $lines += foreach ($i in 1..300) {
                $status = if ($i % 2) { 'processing' } else { 'pending' }
                '{"event":"status","uuid":"' + $uuids[$i % 2] + '","at":"' + $at + '","status":"' + $status + '"}'
            }
            $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $Name -Method Put -Headers @{ 'x-ms-blob-type' = 'AppendBlob' }
            $body = [Text.Encoding]::UTF8.GetBytes(($lines -join "`n") + "`n")
            $response = Invoke-WebRequest -Method Put -Uri ((New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Name) + '&comp=appendblock') `
                -Headers @{ 'x-ms-version' = '2019-12-12' } -Body $body -ContentType 'application/octet-stream' -SkipHttpErrorCheck -NoProxy
            $response.StatusCode | Should -Be 201
            $uuids
        }
    }

    It 'compacts a bloated blob journal in place, keeping every job, and leaves no lease, flag or sibling behind' {
        $name = New-BlobName 'compact'
        $old = New-BloatedJournal $name
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        $new = (New-VeoVideo -Prompt 'triggers compaction').Uuid

        $lines = @((Get-BlobText $name) -split "`n" | Where-Object { $_ })
        $lines.Count | Should -BeLessThan 10
        ($lines[0] | ConvertFrom-Json).event | Should -Be 'journal'
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($old) + $new | Sort-Object)
        $properties = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $name -Method Head
        $properties.Headers['x-ms-lease-state'] | Should -Not -Be 'leased'
        $properties.Headers.Keys | Should -Not -Contain 'x-ms-meta-veo31compacting'
        (Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$name.compacting" -Method Head).StatusCode | Should -Be 404
    }

    It 'waits for a lease another writer holds, then writes' {
        $name = New-BlobName 'leased'
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        $first = (New-VeoVideo -Prompt 'before the lease').Uuid
        $lease = Invoke-WebRequest -Method Put -Uri ((New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name) + '&comp=lease') -NoProxy -SkipHttpErrorCheck `
            -Headers @{ 'x-ms-version' = '2019-12-12'; 'x-ms-lease-action' = 'acquire'; 'x-ms-lease-duration' = '-1' }
        $lease.StatusCode | Should -Be 201
        $leaseId = "$($lease.Headers['x-ms-lease-id'])"
        $release = Start-ThreadJob -ArgumentList (New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$name"), $leaseId -ScriptBlock {
            param($url, $id)
            Start-Sleep -Seconds 3
            Invoke-WebRequest -Method Put -Uri "$url&comp=lease" -Headers @{ 'x-ms-version' = '2019-12-12'; 'x-ms-lease-action' = 'release'; 'x-ms-lease-id' = $id } -NoProxy | Out-Null
        }
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $second = (New-VeoVideo -Prompt 'after the lease').Uuid
            $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 2 -Because 'the write waits for the other writer'
        } finally { $release | Wait-Job | Remove-Job }
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($first, $second) | Sort-Object)
    }

    It 'reads every job while a compaction is half done, and the next writer finishes it' {
        # What a writer killed between emptying the journal and rewriting it leaves: the snapshot in the sibling, the flag
        # on the journal, part of the snapshot in the journal and a record another writer appended since.
        $name = New-BlobName 'interrupted'
        $uuids = 'bbbbbbbb-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002', 'bbbbbbbb-0000-4000-8000-000000000003'
        $at = [DateTimeOffset]::UtcNow.ToString('o')
        $header = '{"event":"journal","generation":"g1","at":"' + $at + '"}'
        $entries = foreach ($uuid in $uuids[0..1]) { '{"event":"entry","uuid":"' + $uuid + '","at":"' + $at + '","prompt":"half","status":"processing"}' }
        $snapshot = [Text.Encoding]::UTF8.GetBytes((@($header) + $entries -join "`n") + "`n")
        (Invoke-WebRequest -Method Put -Uri (New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$name.compacting") -Headers @{ 'x-ms-version' = '2019-12-12'; 'x-ms-blob-type' = 'BlockBlob' } `
            -Body $snapshot -ContentType 'application/octet-stream' -NoProxy).StatusCode | Should -Be 201
        $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $name -Method Put -Headers @{ 'x-ms-blob-type' = 'AppendBlob'; 'x-ms-meta-veo31compacting' = '1' }
        $partial = [Text.Encoding]::UTF8.GetBytes($header + "`n" + '{"event":"submitted","uuid":"' + $uuids[2] + '","at":"' + $at + '","prompt":"appended since","status":"pending"}' + "`n")
        (Invoke-WebRequest -Method Put -Uri ((New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name) + '&comp=appendblock') -Headers @{ 'x-ms-version' = '2019-12-12' } `
            -Body $partial -ContentType 'application/octet-stream' -NoProxy).StatusCode | Should -Be 201

        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be ($uuids | Sort-Object)

        $new = (New-VeoVideo -Prompt 'the next writer').Uuid
        (Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$name.compacting" -Method Head).StatusCode | Should -Be 404
        (Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $name -Method Head).Headers.Keys | Should -Not -Contain 'x-ms-meta-veo31compacting'
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($uuids) + $new | Sort-Object)
    }
}

Describe 'Storage authentication' {
    It 'works with a SAS URL, a connection string and "container/blob", and refuses a bad one with StorageFailed' {
        $name = New-BlobName 'auth'
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $name)
        $uuid = (New-VeoVideo -Prompt 'auth forms').Uuid
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath "$($Azurite.BlobEndpoint)/$name" -StorageConnectionString $ConnectionString
        (Get-VeoVideo).Uuid | Should -Be $uuid

        $wrongKey = $Azurite.ConnectionString -replace 'AccountKey=[^;]+', ('AccountKey=' + [Convert]::ToBase64String([byte[]](1..64)))
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString (ConvertTo-SecureString $wrongKey -AsPlainText -Force)
        $failure = try { Get-VeoVideo; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'StorageFailed*'
        "$failure" | Should -Match 'HTTP 403'
    }

    It 'refuses plain http to a non-loopback host and an access token over plain http before sending anything' {
        $failure = try { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'http://example.invalid/c/journal.jsonl'; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl*'
        $token = ConvertTo-SecureString 'not-a-real-token' -AsPlainText -Force
        $failure = try { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath "$($Azurite.BlobEndpoint)/c/j.jsonl" -StorageAccessToken $token; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl*'
        "$failure" | Should -Match 'https'
    }
}
