# The job journal in an Azure append blob (Azurite on 127.0.0.1): the same records and cmdlets as the file journal,
# shared by every process and machine, safe for several writers, compacted under a lease, resumable after a kill, and
# writable again when the blob cannot take another Append Block.
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

    # Blobs a test writes itself before the module sees them, in a container of their own (made here).
    function script:New-PreparedBlobName([string] $Stem) { "prepared/$Stem-$([guid]::NewGuid().ToString('n').Substring(0, 8)).jsonl" }

    function script:Invoke-Blob([string] $Path, [string] $Query = '', [string] $Method = 'PUT', [hashtable] $Headers = @{}, [byte[]] $Body) {
        $uri = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) + $Query
        $all = @{ 'x-ms-version' = '2019-12-12' } + $Headers
        if ($Body) { Invoke-WebRequest -Method $Method -Uri $uri -Headers $all -Body $Body -ContentType 'application/octet-stream' -SkipHttpErrorCheck -NoProxy }
        else { Invoke-WebRequest -Method $Method -Uri $uri -Headers $all -SkipHttpErrorCheck -NoProxy }
    }

    function script:Submitted([string] $Uuid, [string] $Prompt = 'p') {
        '{"event":"submitted","uuid":"' + $Uuid + '","at":"' + [DateTimeOffset]::UtcNow.ToString('o') + '","prompt":"' + $Prompt + '","status":"pending"}'
    }

    # Appends each line as its own Append Block (what the module does for each record), many at once.
    function script:Add-AppendBlocks([string] $Name, [string[]] $Lines) {
        $client = [Net.Http.HttpClient]::new()
        try {
            $url = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Name) + '&comp=appendblock'
            for ($start = 0; $start -lt $Lines.Count; $start += 500) {
                $tasks = foreach ($line in $Lines[$start..([Math]::Min($start + 499, $Lines.Count - 1))]) {
                    $message = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Put, $url)
                    $message.Headers.Add('x-ms-version', '2019-12-12')
                    $message.Content = [Net.Http.ByteArrayContent]::new([Text.Encoding]::UTF8.GetBytes($line + "`n"))
                    $client.SendAsync($message)
                }
                [Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]] @($tasks))
                @($tasks | Where-Object { $_.Result.StatusCode -ne 'Created' }).Count | Should -Be 0
            }
        } finally { $client.Dispose() }
    }

    # Runs a script in a fresh pwsh with the module imported and the storage connection string; returns its output.
    function script:Invoke-ChildScript([string] $Body) {
        $file = Join-Path $TestDrive ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$connectionString = ConvertTo-SecureString '$($Azurite.ConnectionString)' -AsPlainText -Force
$Body
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output
    }

    $null = Invoke-Blob -Path 'prepared' -Query '&restype=container'
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
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

Describe 'Where the journal is when Connect-Veo gets a storage credential only to save into containers' {
    It 'keeps the default journal in its local file when Connect-Veo gets a storage credential only to save into containers' {
        Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
        $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -StorageConnectionString $ConnectionString -PassThru
        $session.JournalPath | Should -Not -Match '^https?://' -Because 'the default journal is a file; its path is no "container/blob"'
        $session.JournalPath | Should -Be (Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'Veo31' 'journal.jsonl')

        $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -StorageAccessToken (ConvertTo-SecureString 'a-token' -AsPlainText -Force) -PassThru
        $session.JournalPath | Should -Not -Match '^https?://'
    }
}

Describe 'A journal blob that cannot take another Append Block' {
    It 'takes the next record when the journal was uploaded as a block blob (a local journal moved to the container)' {
        $name = New-PreparedBlobName 'block-blob'
        $old = 'dddddddd-0000-4000-8000-000000000001'
        (Invoke-Blob -Path $name -Headers @{ 'x-ms-blob-type' = 'BlockBlob' } -Body ([Text.Encoding]::UTF8.GetBytes((Submitted $old) + "`n"))).StatusCode | Should -Be 201
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        (Get-VeoVideo -Pending).Uuid | Should -Be $old

        $video = New-VeoVideo -Prompt 'paid into a block blob journal' -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures | ForEach-Object { "$_" }) | Should -BeNullOrEmpty -Because 'a paid uuid must reach the journal'
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($old, $video.Uuid) | Sort-Object)
        (Invoke-Blob -Path $name -Method Head).Headers['x-ms-blob-type'] | Should -Be 'AppendBlob'
    }

    It 'keeps writing when the append blob reaches its block limit of 50,000 committed blocks (a journal of some 12,500 jobs)' {
        $name = New-PreparedBlobName 'block-limit'
        (Invoke-Blob -Path $name -Headers @{ 'x-ms-blob-type' = 'AppendBlob' }).StatusCode | Should -Be 201
        # 12,499 jobs of four records each (submitted, processing, completed, saved as statuses here): four lines per job is
        # not "far more lines than jobs", so the journal never compacts, and each record is one committed block.
        $uuids = foreach ($i in 1..12499) { 'eeeeeeee-0000-4000-8000-{0:d12}' -f $i }
        Add-AppendBlocks $name @($uuids | ForEach-Object { Submitted $_ })
        $at = [DateTimeOffset]::UtcNow.ToString('o')
        foreach ($status in 'processing', 'completed', 'completed') {
            Add-AppendBlocks $name @($uuids | ForEach-Object { '{"event":"status","uuid":"' + $_ + '","at":"' + $at + '","status":"' + $status + '"}' })
        }
        (Invoke-Blob -Path $name -Method Head).Headers['x-ms-blob-committed-block-count'] | Should -Be '49996'

        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString
        $new = 1..6 | ForEach-Object { New-VeoVideo -Prompt "past the block limit $_" -ErrorVariable +failures -ErrorAction SilentlyContinue }
        @($failures | ForEach-Object { "$_" }) | Should -BeNullOrEmpty -Because 'every paid uuid must reach the journal'
        $journaled = @(Get-VeoVideo).Uuid
        $journaled.Count | Should -Be (12499 + 6)
        foreach ($video in $new) { $journaled | Should -Contain $video.Uuid }
    }
}

Describe 'A reader during a compaction' {
    It 'sees every record written after it read the journal between a compaction''s rewrite and its unflagging' {
        $name = New-PreparedBlobName 'reader'
        $uuids = 'ffffffff-0000-4000-8000-000000000001', 'ffffffff-0000-4000-8000-000000000002'
        $at = [DateTimeOffset]::UtcNow.ToString('o')
        $header = '{"event":"journal","generation":"g1","at":"' + $at + '"}'
        $entries = foreach ($uuid in $uuids) { '{"event":"entry","uuid":"' + $uuid + '","at":"' + $at + '","prompt":"compacted","status":"processing"}' }
        $snapshot = [Text.Encoding]::UTF8.GetBytes((@($header) + $entries -join "`n") + "`n")
        # Step 1 done (the sibling), step 2 done (flagged, emptied), step 3 done (the snapshot appended), step 4 not.
        (Invoke-Blob -Path "$name.compacting" -Headers @{ 'x-ms-blob-type' = 'BlockBlob' } -Body $snapshot).StatusCode | Should -Be 201
        (Invoke-Blob -Path $name -Headers @{ 'x-ms-blob-type' = 'AppendBlob'; 'x-ms-meta-veo31compacting' = '1' }).StatusCode | Should -Be 201
        (Invoke-Blob -Path $name -Query '&comp=appendblock' -Body $snapshot).StatusCode | Should -Be 201

        # A long-lived session reads the journal while it is flagged...
        $reader = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $name -StorageConnectionString $ConnectionString -PassThru
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be $uuids

        # ...the compacting writer (alive, just slower than the reader) unflags the journal and drops the sibling (step 4)...
        (Invoke-Blob -Path $name -Query '&comp=metadata').StatusCode | Should -Be 200
        (Invoke-Blob -Path "$name.compacting" -Method Delete).StatusCode | Should -Be 202
        # ...another process submits four jobs...
        $written = Invoke-ChildScript @"
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$name' -StorageConnectionString `$connectionString
1..4 | ForEach-Object { (New-VeoVideo -Prompt "written after the flagged read `$_").Uuid }
"@
        $written = @($written | Where-Object { $_ -match '^[0-9a-f-]{36}$' })
        $written.Count | Should -Be 4

        # ...and the first session must see them all.
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($uuids) + $written | Sort-Object)
    }
}

Describe 'An interrupted compaction that cannot be finished' {
    BeforeEach { Disconnect-Veo -ErrorAction SilentlyContinue }
    # A writer died mid-compaction and the snapshot sibling is leased by someone else, so the next writer cannot finish
    # it: nothing is paid for while the journal cannot record the uuid, the failure is typed, and the lock is released
    # once (a second release threw), so the journal works again once the other party lets go.
    It 'a paid request is refused with nothing charged when the journal lock fails while finishing a compaction, and works once it can be finished' {
        $name = New-PreparedBlobName 'unfinishable'
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
        $after | Should -Be $before -Because 'nothing is paid for while the journal could not record its uuid'
        $shown = @($errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) -join ' | '
        $video | Should -BeNullOrEmpty
        @($errors).Count | Should -Be 1 -Because $shown
        @($errors | Where-Object FullyQualifiedErrorId -Like 'UnexpectedError,*').Count | Should -Be 0 -Because $shown
        $errors[0].Exception.Message | Should -Match 'cannot be locked' -Because $shown

        # The other party lets go: the same session finishes the compaction and records the next paid job.
        (Invoke-Blob -Path "$name.compacting" -Query '&comp=lease' -Headers @{ 'x-ms-lease-action' = 'break'; 'x-ms-lease-break-period' = '0' }).StatusCode | Should -Be 202
        $video = New-VeoVideo -Prompt 'review13 paid once the journal can be locked'
        $video.Uuid | Should -Not -BeNullOrEmpty
        @(Get-VeoVideo | Where-Object Uuid -EQ $video.Uuid).Count | Should -Be 1
    }
}
