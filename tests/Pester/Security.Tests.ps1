# The key never leaks; hostile server answers and hostile input end in documented ErrorIds.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
    $script:Canary = 'canary-' + [guid]::NewGuid().ToString('n')
    Set-VeoEmulatorKey $Emulator -Key $Canary -Credits 1000

    function script:Connect-Canary([int] $MaxRetryCount = 0, [int] $TimeoutSec = 10) {
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -MaxRetryCount $MaxRetryCount -TimeoutSec $TimeoutSec
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'The API key never leaks' {
    It 'appears nowhere: no stream, no transcript, no $Error, no serialised object, no CDN request' {
        $transcript = Join-Path $TestDrive 'transcript.txt'
        $images = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'canary-images')
        Copy-Item (Join-Path $FixturesPath 'sample.png') $images
        Set-Content -LiteralPath (Join-Path $images 'fake.png') -Value 'not an image'
        Reset-VeoEmulatorStats $Emulator
        $Error.Clear()
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
        $null = Start-Transcript -LiteralPath $transcript
        try {
            $session = Connect-Canary -MaxRetryCount 1
            $session = Get-VeoSession
            $captured = & {
                Get-ChildItem -Path (Join-Path $images '*.png') | Send-VeoImage -Verbose -Debug |
                    New-VeoVideo -Prompt 'canary pipeline' -Verbose -Debug |
                    Wait-VeoVideo -PollIntervalSec 0.1 -Verbose -Debug |
                    Save-VeoVideo -Destination (Join-Path $TestDrive 'canary-out') -Verbose -Debug
                New-VeoVideo -Prompt 'canary fails [fail]' -Verbose -Debug | Wait-VeoVideo -PollIntervalSec 0.1 -Verbose -Debug
                $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'error5000' -Count 1
                New-VeoVideo -Prompt 'canary outcome unknown' -Verbose -Debug
                $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'html502' -Count 2
                Get-VeoVideoStatus -Uuid 'canary-status' -Verbose -Debug
                Set-VeoEmulatorKey $Emulator -Key $Canary -Credits 0
                # No credits dooms every later prompt, so it stops its command (a terminating error): catch it and go on.
                try { New-VeoVideo -Prompt 'canary without credits' -Verbose -Debug } catch { $_ }
                Set-VeoEmulatorKey $Emulator -Key $Canary -Credits 1000
                Get-VeoVideo -Verbose -Debug
                Get-VeoSession | Format-List * | Out-String
            } *>&1 | Out-String
        } finally {
            $VerbosePreference = 'SilentlyContinue'; $DebugPreference = 'SilentlyContinue'; $InformationPreference = 'SilentlyContinue'
            $null = Stop-Transcript
            Clear-VeoEmulatorFault $Emulator
        }

        $captured | Should -Match 'canary pipeline' -Because 'the capture must hold the run it searches'
        $captured | Should -Match 'GenerationOutcomeUnknown|InsufficientCredits|credits'
        $places = [ordered]@{
            Streams       = $captured
            Transcript    = Get-Content -Raw -LiteralPath $transcript
            ErrorVariable = ($Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String; "$($_.Exception)" }) -join "`n"
            SessionJson   = $session | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
            SessionText   = ($session | Format-List * -Force | Out-String) + $session.ToString()
            SessionViews  = ($session | Format-Table | Out-String) + ($session.psobject.Properties | Out-String)
            SessionClixml = [System.Management.Automation.PSSerializer]::Serialize($session, 5)
            JournalFile   = Get-Content -Raw -LiteralPath $env:VEO_JOURNAL
        }
        $places.ErrorVariable | Should -Not -BeNullOrEmpty
        # Review 13b (ConnectTests.The_key_appears_in_no_view...): the views must show the session they are searched in.
        $session | Should -Not -BeNullOrEmpty
        foreach ($view in 'SessionJson', 'SessionText', 'SessionViews', 'SessionClixml') {
            $places[$view] | Should -Match ([regex]::Escape("$($session.BaseUri.Port)")) -Because "$view must render the session"
        }
        foreach ($place in $places.Keys) {
            $places[$place] | Should -Not -Match ([regex]::Escape($Canary)) -Because "the key must not appear in $place"
        }
        (Get-VeoEmulatorStats $Emulator).cdnAuthorizationHeaders.Count | Should -Be 0
    }
}

Describe 'Storage secrets never leak' {
    BeforeAll {
        Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
        $script:StorageKey = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes('storage-canary-' + [guid]::NewGuid().ToString('n') + '-' + [guid]::NewGuid().ToString('n')))
        $script:Azurite = Start-VeoAzurite -AccountName 'canaryaccount' -AccountKey $StorageKey
    }

    AfterAll {
        Disconnect-Veo -ErrorAction SilentlyContinue
        if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
    }

    It 'the account key, the SAS signature and an access token appear in no stream, error, serialised session or request to Veo' {
        $sasUrl = New-VeoAzuriteSasUrl -Azurite $Azurite -Path 'canary/journal.jsonl'
        $signature = [uri]::UnescapeDataString(([regex]::Match($sasUrl, 'sig=([^&]+)')).Groups[1].Value)
        $token = 'token-canary-' + [guid]::NewGuid().ToString('n')
        $containerSas = New-VeoAzuriteSasUrl -Azurite $Azurite -Path 'canary-videos/by-sas'
        $containerSignature = [uri]::UnescapeDataString(([regex]::Match($containerSas, 'sig=([^&]+)')).Groups[1].Value)
        $secrets = [ordered]@{ AccountKey = $StorageKey; SasSignature = $signature; EscapedSignature = [uri]::EscapeDataString($signature); AccessToken = $token
            ContainerSasSignature = $containerSignature; EscapedContainerSignature = [uri]::EscapeDataString($containerSignature) }
        $connection = ConvertTo-SecureString $Azurite.ConnectionString -AsPlainText -Force
        $wrongKey = ConvertTo-SecureString ($Azurite.ConnectionString -replace 'AccountKey=[^;]+', ('AccountKey=' + [Convert]::ToBase64String([byte[]](1..64)))) -AsPlainText -Force
        $transcript = Join-Path $TestDrive 'storage-transcript.txt'
        Reset-VeoEmulatorStats $Emulator
        $Error.Clear()
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
        $null = Start-Transcript -LiteralPath $transcript
        try {
            $captured = & {
                $sasSession = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -JournalPath $sasUrl -PassThru -Verbose
                New-VeoVideo -Prompt 'storage canary' -Verbose -Debug | Wait-VeoVideo -PollIntervalSec 0.1 -Verbose -Debug |
                    Save-VeoVideo -Destination (Join-Path $TestDrive 'storage-canary') -Verbose -Debug
                # Saves into a container: by a SAS URL, by 'container/prefix' with the connection string, and refused (wrong key).
                $blobVideo = New-VeoVideo -Prompt 'storage canary blob' -Verbose -Debug | Wait-VeoVideo -PollIntervalSec 0.1 -Verbose -Debug
                $script:CanaryBlobUuid = $blobVideo.Uuid
                $savedBlob = $blobVideo | Save-VeoVideo -Destination $containerSas -Provenance -Verbose -Debug
                $savedBlob | Format-List * -Force | Out-String
                $savedBlob | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
                Get-VeoVideo -Uuid $blobVideo.Uuid | Format-List * -Force | Out-String
                $sasSession | Format-List * -Force | Out-String
                $sasSession | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
                [System.Management.Automation.PSSerializer]::Serialize($sasSession, 3)
                $keySession = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -JournalPath 'canary/journal.jsonl' -StorageConnectionString $connection -PassThru -Verbose
                Get-VeoVideo -Verbose -Debug
                $blobVideo | Save-VeoVideo -Destination 'canary-videos/by-key' -Provenance -Verbose -Debug | Format-List * -Force | Out-String
                $keySession | Format-List * -Force | Out-String
                $keySession | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
                [System.Management.Automation.PSSerializer]::Serialize($keySession, 3)
                Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -JournalPath 'canary/journal.jsonl' -StorageConnectionString $wrongKey -Verbose
                try { Get-VeoVideo -Verbose -Debug } catch { $_; $_.Exception | Format-List * -Force | Out-String }
                try { $blobVideo | Save-VeoVideo -Destination 'canary-videos/wrong-key' -Verbose -Debug -ErrorAction Stop } catch { $_; $_.Exception | Format-List * -Force | Out-String }
                try { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -JournalPath "$($Azurite.BlobEndpoint)/canary/journal.jsonl" -StorageAccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -Verbose } catch { $_ }
                try { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-SecureString $Canary -AsPlainText -Force) -JournalPath 'canary/journal.jsonl' -StorageConnectionString (ConvertTo-SecureString "AccountKey=$StorageKey;nonsense" -AsPlainText -Force) } catch { $_ }
            } *>&1 | Out-String
        } finally {
            $VerbosePreference = 'SilentlyContinue'; $DebugPreference = 'SilentlyContinue'; $InformationPreference = 'SilentlyContinue'
            $null = Stop-Transcript
            Disconnect-Veo -ErrorAction SilentlyContinue
        }

        $captured | Should -Match 'storage canary' -Because 'the capture must hold the run it searches'
        $captured | Should -Match 'StorageFailed|HTTP 403'
        $captured | Should -Match 'canary-videos/by-sas/' -Because 'the capture must hold the save into a container'
        $captured | Should -Match 'canary-videos/by-key/'
        $captured | Should -Match 'canary-videos/wrong-key'
        $storedText = foreach ($path in 'canary/journal.jsonl', "canary-videos/by-sas/$CanaryBlobUuid.mp4.json", "canary-videos/by-key/$CanaryBlobUuid.mp4.json") {
            $stored = Invoke-VeoAzuriteRequest -Azurite $Azurite -Path $path
            $stored.StatusCode | Should -Be 200 -Because "$path was written"
            [Text.Encoding]::UTF8.GetString($stored.RawContentStream.ToArray())
        }
        $places = [ordered]@{
            Stored        = $storedText -join "`n"
            Streams       = $captured
            Transcript    = Get-Content -Raw -LiteralPath $transcript
            ErrorVariable = ($Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String; "$($_.Exception)" }) -join "`n"
        }
        foreach ($place in $places.Keys) {
            foreach ($secret in $secrets.Keys) {
                $places[$place] | Should -Not -Match ([regex]::Escape($secrets[$secret])) -Because "the $secret must not appear in $place"
            }
        }
        (Get-VeoEmulatorStats $Emulator).cdnAuthorizationHeaders.Count | Should -Be 0
    }
}

Describe 'Hostile server answers' {
    BeforeAll { Connect-Canary }
    BeforeEach { Clear-VeoEmulatorFault $Emulator }
    AfterAll { Clear-VeoEmulatorFault $Emulator }

    It '<Kind> from /video-status ends in <ErrorId>' -ForEach @(
        @{ Kind = 'malformedJson'; ErrorId = 'InvalidResponse' }
        @{ Kind = 'truncatedJson'; ErrorId = 'InvalidResponse' }
        @{ Kind = 'missingData'; ErrorId = 'InvalidResponse' }
        @{ Kind = 'hugeBody'; ErrorId = 'InvalidResponse' }
        @{ Kind = 'html502'; ErrorId = 'ServerError' }
        @{ Kind = 'empty503'; ErrorId = 'ServerError' }
    ) {
        $video = New-VeoVideo -Prompt "hostile $Kind"
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind $Kind
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $record.Exception.GetType().Name | Should -Be 'VeoApiException'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'an endless slow body ends in Timeout' {
        Connect-Canary -TimeoutSec 1
        try {
            $video = New-VeoVideo -Prompt 'hostile slow body'
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'slowBody'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        } finally { Connect-Canary }
    }

    It 'wrong types (string progress, numeric uuid) are read tolerantly, not crashed on' {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'wrongTypes'
        # The canned answer is about uuid 123 (sent as a number); asking for another uuid would be refused as another video's status.
        $status = Get-VeoVideoStatus -Uuid '123' -ErrorAction Stop
        $status.Progress | Should -Be 85
        $status.Uuid | Should -Be '123'
    }

    It 'a videoUrl of <Url> is refused with UnsafeUrl and nothing is written' -ForEach @(
        @{ Url = 'file:///etc/passwd' }
        @{ Url = 'javascript:alert(1)' }
        @{ Url = '/videos/relative.mp4' }
    ) {
        $video = New-VeoVideo -Prompt "hostile url $Url" | Wait-VeoVideo -PollIntervalSec 0.1
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'badVideoUrl' -Value $Url
        $destination = Join-Path $TestDrive ("bad-url-" + [guid]::NewGuid().ToString('n'))
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid | Save-VeoVideo -Destination $destination -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl,*'
        @(Get-ChildItem -LiteralPath $destination -Recurse -File -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
}

Describe 'Hostile paths and input' {
    BeforeAll {
        Connect-Canary
        $script:Done = New-VeoVideo -Prompt 'a video to save in odd places' | Wait-VeoVideo -PollIntervalSec 0.1
    }

    It 'refuses the file name <Template> with UnsafePath and writes nothing outside -Destination' -ForEach @(
        @{ Template = '../escape.mp4' }
        @{ Template = '/tmp/absolute.mp4' }
        @{ Template = 'CON.mp4' }
        @{ Template = 'trailing-dot.' }
        @{ Template = 'sub/../../escape2.mp4' }
    ) {
        $root = New-Item -ItemType Directory -Path (Join-Path $TestDrive ("paths-" + [guid]::NewGuid().ToString('n')))
        $destination = New-Item -ItemType Directory -Path (Join-Path $root 'dest')
        $record = Get-VeoError { $Done | Save-VeoVideo -Destination $destination -FileNameTemplate $Template -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'UnsafePath,*'
        "$($record.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
        @(Get-ChildItem -LiteralPath $root -Recurse -File).Count | Should -Be 0
        Test-Path -LiteralPath '/tmp/absolute.mp4' | Should -BeFalse
    }

    It 'never overwrites without -Force (FileExists) and replaces atomically with -Force' {
        $destination = Join-Path $TestDrive 'overwrite'
        $first = $Done | Save-VeoVideo -Destination $destination
        Set-Content -LiteralPath $first.FullName -Value 'precious'
        $record = Get-VeoError { $Done | Save-VeoVideo -Destination $destination -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'FileExists,*'
        # Review 13b (SaveAndJournalTests.An_existing_file_is_kept...): a file already there is ResourceExists, a VeoApiException.
        "$($record.CategoryInfo.Category)" | Should -Be 'ResourceExists'
        $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        Get-Content -Raw -LiteralPath $first.FullName | Should -Match 'precious'
        $again = $Done | Save-VeoVideo -Destination $destination -Force
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($again.FullName), 4, 4) | Should -Be 'ftyp'
        @(Get-ChildItem -LiteralPath $destination -File).Count | Should -Be 1
    }

    It 'rejects a prompt with control characters before any request' {
        Reset-VeoEmulatorStats $Emulator
        $record = Get-VeoError { New-VeoVideo -Prompt "bell`a and escape`e[31m" -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 0
    }

    It 'rejects a megabyte prompt before any request, naming the limit' {
        Reset-VeoEmulatorStats $Emulator
        $record = Get-VeoError { New-VeoVideo -Prompt ('x' * 1MB) -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        $record.Exception.Message | Should -Match '2000'
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 0
    }

    It 'takes wildcard characters literally with -LiteralPath' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'literal')
        $odd = Join-Path $folder 'photo[1].png'
        Copy-Item -LiteralPath (Join-Path $FixturesPath 'sample.png') -Destination $odd
        $image = Send-VeoImage -LiteralPath $odd
        $image.ImageKey | Should -Not -BeNullOrEmpty
        $image.Path | Should -Be $odd
    }

    It 'judges an image by its bytes, not its extension' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'liars')
        Copy-Item -LiteralPath (Join-Path $FixturesPath 'sample.jpg') -Destination (Join-Path $folder 'really-a-jpeg.png')
        $image = Send-VeoImage -LiteralPath (Join-Path $folder 'really-a-jpeg.png')
        "$($image.Format)" | Should -Be 'Jpeg'
    }
}
