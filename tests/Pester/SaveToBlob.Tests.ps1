# Save-VeoVideo into an Azure blob container (Azurite on 127.0.0.1): the video streams from the emulator's CDN into a
# block blob without touching the local disk, visible only once complete, resumed after a break, named by the template,
# with its provenance beside it, and the same FileExists rule as files.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
    $script:Azurite = Start-VeoAzurite
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.2'
    $script:ConnectionString = ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force
    # Several 4 MiB blocks, so staging as the bytes arrive is visible in the committed block list.
    $script:BigVideo = 10MB + 12345

    function script:New-ContainerName([string] $Stem) { "$Stem-$([guid]::NewGuid().ToString('n').Substring(0, 8))" }

    function script:Connect-Blob([switch] $ConnectionString, [int] $MaxRetryCount = 3) {
        $parameters = @{ BaseUri = $Emulator.ApiUri; ApiKey = $Emulator.SecureKey; MaxRetryCount = $MaxRetryCount
            JournalPath = Join-Path $TestDrive "journal-$([guid]::NewGuid().ToString('n')).jsonl" }
        if ($ConnectionString) {
            # With a storage credential the journal is a blob too.
            $parameters.StorageConnectionString = $script:ConnectionString
            $parameters.JournalPath = "journals/save-$([guid]::NewGuid().ToString('n')).jsonl"
        }
        Connect-Veo @parameters
    }

    function script:New-CompletedVideo([string] $Prompt = 'a fox in a blob') {
        New-VeoVideo -Prompt $Prompt | Wait-VeoVideo -PollIntervalSec 0.1
    }

    function script:Get-BlobBytes([string] $Path) {
        $response = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $Path
        if ($response.StatusCode -ne 200) { return $null }
        , $response.RawContentStream.ToArray()
    }

    function script:Get-Sha256([byte[]] $Bytes) {
        $sha = [Security.Cryptography.SHA256]::Create()
        try { ([BitConverter]::ToString($sha.ComputeHash($Bytes)) -replace '-').ToLowerInvariant() } finally { $sha.Dispose() }
    }

    # The committed (visible) blobs of a container, by name.
    function script:Get-CommittedBlobs([string] $Container) {
        $url = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Container) + '&restype=container&comp=list'
        $response = Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -SkipHttpErrorCheck -NoProxy
        if ($response.StatusCode -eq 404) { return @() }
        $xml = [xml]([Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray()) -replace '^\uFEFF', '')
        @($xml.EnumerationResults.Blobs.Blob | Where-Object { $_ } | ForEach-Object { $_.Name })
    }

    # Block ids of a blob: 'committed' or 'uncommitted' (staged, not part of any blob yet).
    function script:Get-BlockIds([string] $Path, [string] $Type) {
        $url = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) + "&comp=blocklist&blocklisttype=$Type"
        $response = Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -SkipHttpErrorCheck -NoProxy
        if ($response.StatusCode -ne 200) { return @() }
        $xml = [xml]([Text.Encoding]::UTF8.GetString($response.RawContentStream.ToArray()) -replace '^\uFEFF', '')
        $list = if ($Type -eq 'committed') { $xml.BlockList.CommittedBlocks } else { $xml.BlockList.UncommittedBlocks }
        @($list.Block | Where-Object { $_ } | ForEach-Object { $_.Name })
    }
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
}

Describe 'Save-VeoVideo into a blob container' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Set-VeoEmulatorConfig $Emulator @{ videoBytes = $BigVideo }
    }

    It 'streams the video into a block blob equal byte for byte to the CDN''s, staged in blocks, and journals its URL without the SAS' {
        Connect-Blob
        $container = New-ContainerName 'bytes'
        $containerSas = New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container
        $video = New-CompletedVideo
        $workDir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'untouched')
        Push-Location -LiteralPath $workDir
        try { $saved = $video | Save-VeoVideo -Destination $containerSas } finally { Pop-Location }

        $saved | Should -BeOfType ([Veo31.PowerShell.VeoSavedBlob])
        $saved.Uri.AbsoluteUri | Should -Be "$($Azurite.BlobEndpoint)/$container/$($video.Uuid).mp4"
        $saved.Uri.Query | Should -BeNullOrEmpty -Because 'the SAS is never shown'
        $saved.Container | Should -Be $container
        $saved.Name | Should -Be "$($video.Uuid).mp4"
        $saved.Length | Should -Be $BigVideo
        $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
        $saved.Sha256 | Should -Be $expected -Because 'the hash is computed while streaming'
        Get-Sha256 (Get-BlobBytes "$container/$($saved.Name)") | Should -Be $expected
        $head = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($saved.Name)" -Method Head
        $head.Headers['x-ms-blob-type'] | Should -Be 'BlockBlob'
        "$($head.Headers['Content-Type'])" | Should -Be 'video/mp4'
        @(Get-BlockIds "$container/$($saved.Name)" 'committed').Count | Should -Be 3 -Because 'the bytes are staged in 4 MiB blocks as they arrive'
        @(Get-ChildItem -LiteralPath $workDir -Force).Count | Should -Be 0 -Because 'nothing is written to the local disk'

        (Get-VeoVideo -Uuid $video.Uuid).SavedPath | Should -Be $saved.Uri.AbsoluteUri
        (Get-Content -Raw -LiteralPath (Get-VeoSession).JournalPath) | Should -Not -Match 'sig=' -Because 'the journal holds the URL without its SAS'
    }

    It 'resumes a transfer broken mid-way (Range, If-Range) into an intact blob' {
        Connect-Blob -ConnectionString
        $container = New-ContainerName 'resume'
        $video = New-CompletedVideo
        Reset-VeoEmulatorStats $Emulator
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate' -Count 1

        $verbose = $video | Save-VeoVideo -Destination $container -Verbose 4>&1
        $saved = $verbose | Where-Object { $_ -is [Veo31.PowerShell.VeoSavedBlob] }
        ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'resumed 1 time'
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 2
        $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
        $saved.Sha256 | Should -Be $expected
        Get-Sha256 (Get-BlobBytes "$container/$($video.Uuid).mp4") | Should -Be $expected
    }

    It 'never shows a partial blob: none while the video streams, none after a transfer that failed' {
        Connect-Blob -ConnectionString -MaxRetryCount 0
        $container = New-ContainerName 'partial'
        $video = New-CompletedVideo
        # Every request cut halfway: the first (20 MiB of 40) stages blocks, whatever the socket loses at the cut; then the
        # resumes run out.
        Set-VeoEmulatorConfig $Emulator @{ videoBytes = 40MB }
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate'
        $failure = try { $video | Save-VeoVideo -Destination $container -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DownloadIncomplete*'
        Get-CommittedBlobs $container | Should -BeNullOrEmpty
        @(Get-BlockIds "$container/$($video.Uuid).mp4" 'uncommitted').Count | Should -BeGreaterThan 0 -Because 'blocks were staged, but staged blocks are not a blob'
        (Get-VeoVideo -Uuid $video.Uuid).SavedPath | Should -BeNullOrEmpty

        # While a transfer runs, a reader polling the container sees no blob, then the whole one.
        Clear-VeoEmulatorFault $Emulator
        Set-VeoEmulatorConfig $Emulator @{ videoBytes = 48MB }
        $listUrl = (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container) + '&restype=container&comp=list'
        $watcher = Start-ThreadJob -ArgumentList $listUrl -ScriptBlock {
            param($url)
            $listings = 0
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ([DateTime]::UtcNow -lt $deadline) {
                $text = (Invoke-WebRequest -Uri $url -Headers @{ 'x-ms-version' = '2019-12-12' } -NoProxy).Content
                $listings++
                if ($text -match '<Content-Length>(\d+)</Content-Length>') { return [pscustomobject]@{ Listings = $listings; FirstLength = [long]$Matches[1] } }
            }
        }
        try {
            Start-Sleep -Milliseconds 300
            $saved = $video | Save-VeoVideo -Destination $container
            $seen = $watcher | Wait-Job -Timeout 90 | Receive-Job
        } finally { $watcher | Remove-Job -Force }
        $seen.Listings | Should -BeGreaterThan 1 -Because 'the container was listed while the video streamed'
        $seen.FirstLength | Should -Be 48MB -Because 'the first blob a reader sees is the whole video'
        $saved.Length | Should -Be 48MB
    }

    It 'names blobs by -FileNameTemplate under a prefix and writes the provenance blob beside each' {
        Connect-Blob -ConnectionString
        $container = New-ContainerName 'named'
        $video = New-CompletedVideo -Prompt 'A red kite over hills'
        $saved = $video | Save-VeoVideo -Destination "$container/runs/2025" -FileNameTemplate '{Prompt}-{Uuid}.mp4' -Provenance

        $saved.Name | Should -Be "runs/2025/a-red-kite-over-hills-$($video.Uuid).mp4"
        $saved.Uri.AbsoluteUri | Should -Be "$($Azurite.BlobEndpoint)/$container/$($saved.Name)"
        $saved.ProvenanceUri.AbsoluteUri | Should -Be "$($saved.Uri.AbsoluteUri).json"
        Get-CommittedBlobs $container | Sort-Object | Should -Be (@($saved.Name, "$($saved.Name).json") | Sort-Object)
        $provenance = [Text.Encoding]::UTF8.GetString((Get-BlobBytes "$container/$($saved.Name).json")) | ConvertFrom-Json
        $provenance.uuid | Should -Be $video.Uuid
        $provenance.prompt | Should -Be 'A red kite over hills'
        $provenance.video.fileName | Should -Be "a-red-kite-over-hills-$($video.Uuid).mp4"
        $provenance.video.sha256 | Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
        $provenance.video.size | Should -Be $BigVideo
        "$((Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($saved.Name).json" -Method Head).Headers['Content-Type'])" | Should -Be 'application/json'
    }

    It 'refuses an existing blob with FileExists before downloading, and replaces it with -Force' {
        Connect-Blob -ConnectionString
        $container = New-ContainerName 'exists'
        $video = New-CompletedVideo
        $first = $video | Save-VeoVideo -Destination $container -Provenance
        Reset-VeoEmulatorStats $Emulator

        $failure = try { $video | Save-VeoVideo -Destination $container -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'FileExists*'
        "$failure" | Should -Match '-Force'
        $failure = try { $video | Save-VeoVideo -Destination $container -FileNameTemplate 'other-{Uuid}.mp4' -Provenance -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeNullOrEmpty -Because 'another name with its own provenance is no clash'
        $failure = try {
            $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/clash.mp4.json" -Method Put -Headers @{ 'x-ms-blob-type' = 'BlockBlob' }
            $video | Save-VeoVideo -Destination $container -FileNameTemplate 'clash.mp4' -Provenance -ErrorAction Stop; $null
        } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'FileExists*'
        "$failure" | Should -Match 'provenance'
        Get-CommittedBlobs $container | Should -Not -Contain 'clash.mp4' -Because 'a provenance clash is found before the download'
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 1 -Because 'only the save under another name downloaded'

        $null = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path "$container/$($first.Name)" -Method Put -Headers @{ 'x-ms-blob-type' = 'BlockBlob' }
        $replaced = $video | Save-VeoVideo -Destination $container -Provenance -Force
        Get-Sha256 (Get-BlobBytes "$container/$($first.Name)") | Should -Be $replaced.Sha256
        $replaced.Length | Should -Be $BigVideo
    }
}

Describe 'Destination forms and storage authentication for a save' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Set-VeoEmulatorConfig $Emulator @{ videoBytes = 0 }
    }

    It 'saves with a container SAS URL with a prefix, a connection string with the container URL, and ''container/prefix''' {
        $video = $null
        Connect-Blob
        $video = New-CompletedVideo
        $container = New-ContainerName 'forms'
        $null = Invoke-WebRequest -Method Put -Uri ((New-VeoAzuriteSasUrl -Azurite $Azurite -Path $container) + '&restype=container') -Headers @{ 'x-ms-version' = '2019-12-12' } -NoProxy
        $sasWithPrefix = New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$container/by-sas"
        ($video | Save-VeoVideo -Destination $sasWithPrefix).Name | Should -Be "by-sas/$($video.Uuid).mp4"

        Connect-Blob -ConnectionString
        ($video | Save-VeoVideo -Destination "$($Azurite.BlobEndpoint)/$container/by-url").Name | Should -Be "by-url/$($video.Uuid).mp4"
        ($video | Save-VeoVideo -Destination "$container/by-name").Name | Should -Be "by-name/$($video.Uuid).mp4"
        $local = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'still-a-folder')
        $local | Should -BeOfType ([IO.FileInfo]) -Because 'a rooted path stays a folder with a storage credential'
        Get-CommittedBlobs $container | Sort-Object | Should -Be (@("by-name/$($video.Uuid).mp4", "by-sas/$($video.Uuid).mp4", "by-url/$($video.Uuid).mp4"))
    }

    It 'refuses a wrong key with StorageFailed and a name that is no container, before downloading' {
        $wrongKey = $Azurite.ConnectionString -replace 'AccountKey=[^;]+', ('AccountKey=' + [Convert]::ToBase64String([byte[]](1..64)))
        Connect-Blob
        $video = New-CompletedVideo
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'journals/wrong-key.jsonl' `
            -StorageConnectionString (ConvertTo-SecureString $wrongKey -AsPlainText -Force)
        Reset-VeoEmulatorStats $Emulator
        $failure = try { $video | Save-VeoVideo -Destination (New-ContainerName 'wrong') -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'StorageFailed*'
        "$failure" | Should -Match 'HTTP 403'
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0 -Because 'the existence check fails before the download'

        $failure = try { $video | Save-VeoVideo -Destination 'Videos' -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters*'
        "$failure" | Should -Match ([regex]::Escape("./Videos"))
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
    }

    It 'refuses a destination that climbs out of the container it names (<Form>), before anything is sent' -ForEach @(
        @{ Form = 'container/../other'; Make = { param($c) "$c/../other" } }
        @{ Form = 'a URL with ..%2F'; Make = { param($c) (New-VeoAzuriteSasUrl -Azurite $Azurite -Path "$c/..%2Fother") } }
    ) {
        Connect-Blob -ConnectionString
        $video = New-CompletedVideo
        Reset-VeoEmulatorStats $Emulator
        $destination = & $Make (New-ContainerName 'climb')
        $failure = try { $video | Save-VeoVideo -Destination $destination -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafePath*'
        "$failure" | Should -Not -Match 'sig='
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -Be 0
    }

    It 'refuses a container URL over plain http to a remote host before anything is sent' {
        Connect-Blob
        $video = New-CompletedVideo
        $failure = try { $video | Save-VeoVideo -Destination 'http://storage.example.invalid/videos?sig=secret' -ErrorAction Stop; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl*'
        "$failure" | Should -Not -Match 'secret'
    }

    It 'treats a bare name as a folder when the session has no storage credential' {
        Connect-Blob
        $video = New-CompletedVideo
        Push-Location -LiteralPath $TestDrive
        try { $saved = $video | Save-VeoVideo -Destination 'plainfolder' } finally { Pop-Location }
        $saved | Should -BeOfType ([IO.FileInfo])
        $saved.FullName | Should -Be (Join-Path $TestDrive "plainfolder/$($video.Uuid).mp4")
    }
}

# The throw-away certificate is trusted through SSL_CERT_FILE, which .NET honours on Linux, where CI runs this suite.
Describe 'Saving with a storage access token (Azurite over https, --oauth basic)' {
    # A token goes only over https; the child process trusts the throw-away certificate through SSL_CERT_FILE (Linux).
    BeforeAll {
        $script:Tls = New-VeoAzuriteCertificate -Path (Join-Path $TestDrive 'tls')
        $script:HttpsAzurite = Start-VeoAzurite -CertificatePath $Tls.CertificatePath -KeyPath $Tls.KeyPath
    }
    AfterAll {
        if ($script:HttpsAzurite) { Stop-VeoAzurite $script:HttpsAzurite }
    }

    It 'saves into a container of the journal''s account and by URL, and a token never appears in any stream' {
        $token = New-VeoAzuriteAccessToken
        $tokenFile = Join-Path $TestDrive 'token.txt'
        Set-Content -LiteralPath $tokenFile -Value $token -NoNewline
        $child = Join-Path $TestDrive 'token-child.ps1'
        Set-Content -LiteralPath $child -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$token = ConvertTo-SecureString (Get-Content -Raw -LiteralPath '$tokenFile') -AsPlainText -Force
`$session = Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) ``
    -JournalPath '$($HttpsAzurite.BlobEndpoint)/journals/token.jsonl' -StorageAccessToken `$token -PassThru -Verbose
`$video = New-VeoVideo -Prompt 'saved with a token' -Verbose | Wait-VeoVideo -PollIntervalSec 0.1 -Verbose
`$video | Save-VeoVideo -Destination 'token-videos' -Provenance -Verbose -Debug | ForEach-Object { "SAVED `$(`$_.Uri) `$(`$_.Sha256)" }
`$video | Save-VeoVideo -Destination '$($HttpsAzurite.BlobEndpoint)/token-videos/by-url' -Verbose | ForEach-Object { "SAVED `$(`$_.Uri) `$(`$_.Sha256)" }
`$session | Format-List * -Force | Out-String
"UUID `$(`$video.Uuid)"
try { `$video | Save-VeoVideo -Destination 'token-videos' -ErrorAction Stop } catch { "REFUSED `$(`$_.FullyQualifiedErrorId)" }
"@
        $saved = $env:SSL_CERT_FILE
        $env:SSL_CERT_FILE = $Tls.CertificatePath
        try {
            $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $child *>&1 | Out-String
        } finally { $env:SSL_CERT_FILE = $saved }
        $LASTEXITCODE | Should -Be 0 -Because $output
        $uuid = ([regex]::Match($output, 'UUID ([0-9a-f-]{36})')).Groups[1].Value
        $expected = (Get-VeoEmulatorVideoHash $Emulator -Uuid $uuid).sha256
        $output | Should -Match ([regex]::Escape("SAVED $($HttpsAzurite.BlobEndpoint)/token-videos/$uuid.mp4 $expected"))
        $output | Should -Match ([regex]::Escape("SAVED $($HttpsAzurite.BlobEndpoint)/token-videos/by-url/$uuid.mp4 $expected"))
        $output | Should -Match 'REFUSED FileExists' -Because 'the blob exists and -Force was not given'
        $output | Should -Not -Match ([regex]::Escape($token)) -Because 'the token is never written to any stream'
        $output | Should -Not -Match ([regex]::Escape($token.Split('.')[1])) -Because 'no part of the token is written either'
        (Get-VeoEmulatorStats $Emulator).cdnAuthorizationHeaders | Should -BeNullOrEmpty
    }
}
