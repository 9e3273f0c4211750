# Review 14 (hostile review of the blob journal and Save-VeoVideo into a container): reproducers against Azurite.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
    $script:Azurite = Start-VeoAzurite
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $script:ConnectionString = ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force

    function script:New-BlobName([string] $Stem) { "review14/$Stem-$([guid]::NewGuid().ToString('n').Substring(0, 8)).jsonl" }

    function script:Invoke-Blob([string] $Path, [string] $Query = '', [string] $Method = 'PUT', [hashtable] $Headers = @{}, [byte[]] $Body) {
        $uri = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) + $Query
        $all = @{ 'x-ms-version' = '2019-12-12' } + $Headers
        if ($Body) { Invoke-WebRequest -Method $Method -Uri $uri -Headers $all -Body $Body -ContentType 'application/octet-stream' -SkipHttpErrorCheck -NoProxy }
        else { Invoke-WebRequest -Method $Method -Uri $uri -Headers $all -SkipHttpErrorCheck -NoProxy }
    }

    function script:Get-BlobText([string] $Name) {
        $response = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $Name
        if ($response.StatusCode -ne 200) { return $null }
        [Text.Encoding]::UTF8.GetString($response.Content)
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

    function script:Start-Child([string] $Body) {
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

    $null = Invoke-Blob -Path 'review14' -Query '&restype=container'
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
}

Describe 'Review 14: where the journal is' {
    It 'keeps the default journal in its local file when Connect-Veo gets a storage credential only to save into containers' {
        Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
        $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -StorageConnectionString $ConnectionString -PassThru
        $session.JournalPath | Should -Not -Match '^https?://' -Because 'the default journal is a file; its path is no "container/blob"'
        $session.JournalPath | Should -Be (Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'Veo31' 'journal.jsonl')

        $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -StorageAccessToken (ConvertTo-SecureString 'a-token' -AsPlainText -Force) -PassThru
        $session.JournalPath | Should -Not -Match '^https?://'
    }
}

Describe 'Review 14: a journal blob that cannot take another Append Block' {
    It 'takes the next record when the journal was uploaded as a block blob (a local journal moved to the container)' {
        $name = New-BlobName 'block-blob'
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
        $name = New-BlobName 'block-limit'
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

Describe 'Review 14: a reader during a compaction' {
    It 'sees every record written after it read the journal between a compaction''s rewrite and its unflagging' {
        $name = New-BlobName 'reader'
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
        $written = Start-Child @"
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$name' -StorageConnectionString `$connectionString
1..4 | ForEach-Object { (New-VeoVideo -Prompt "written after the flagged read `$_").Uuid }
"@
        $written = @($written | Where-Object { $_ -match '^[0-9a-f-]{36}$' })
        $written.Count | Should -Be 4

        # ...and the first session must see them all.
        @(Get-VeoVideo).Uuid | Sort-Object | Should -Be (@($uuids) + $written | Sort-Object)
    }
}
