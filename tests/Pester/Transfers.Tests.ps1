# What real servers do to transfers and text, through the cmdlets: changing files, compression, a video on the API's
# own origin, escape sequences in what the server says, and an upload a strict (RFC 7578) parser reads.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoTestSession -EmulatorArguments @('--job-seconds', '0.5', '--video-bytes', '300000')

    # Control characters (C0 and C1, DEL) and bidirectional controls; in rendered text, line breaks are allowed.
    $script:Unsafe = '[\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]'
    $script:UnsafeInRendering = '[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]'

    function script:Show-Unsafe([string] $Text) {
        # A readable account of what was found, for the failure message.
        (($Text.ToCharArray() | Where-Object { "$_" -match $Unsafe } | ForEach-Object { 'U+{0:X4}' -f [int]$_ }) | Select-Object -Unique) -join ' '
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'Server text is shown safely' {
    It 'shows no control character in errors, progress, verbose lines or format views' {
        Clear-VeoEmulatorFault $Emulator
        # A runspace of its own, so the progress records can be read back.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($ModulePath, $ApiUri, $ApiKey, $Journal)
                $ErrorActionPreference = 'Continue'
                $VerbosePreference = 'Continue'
                $PSStyle.OutputRendering = 'PlainText'
                Import-Module $ModulePath
                $env:VEO_JOURNAL = $Journal
                Connect-Veo -BaseUri $ApiUri -ApiKey $ApiKey
                $video = New-VeoVideo -Prompt 'a fox [fail] [escapes] [seconds=1]'
                $null = $video | Wait-VeoVideo -PollIntervalSec 0.1
                $status = Get-VeoVideoStatus -Uuid $video.Uuid
                $journal = Get-VeoVideo -Uuid $video.Uuid
                [pscustomobject]@{
                    Video     = $status
                    Rendered  = @(
                        $status | Format-List * | Out-String
                        $status | Format-Table | Out-String
                        $status.AdditionalFields | Format-List | Out-String
                        $journal | Format-List * | Out-String
                        $Error | Out-String
                    ) -join "`n"
                    Messages  = @($Error | ForEach-Object { $_.Exception.Message; $_.Exception.ApiMessage; "$_" })
                }
            }).AddParameters(@{ ModulePath = $ModulePath; ApiUri = $Emulator.ApiUri; ApiKey = $Emulator.SecureKey; Journal = $env:VEO_JOURNAL })
            $result = $ps.Invoke() | Select-Object -Last 1
            $progress = @($ps.Streams.Progress)
            $verbose = @($ps.Streams.Verbose | ForEach-Object Message)
            $errors = @($ps.Streams.Error)
        } finally {
            $ps.Dispose()
            # Connect-Veo in that runspace replaced this one's current session (sessions are process-wide today).
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }

        $result.Video.Status | Should -Be 'Failed' -Because 'the [fail] job ends failed'
        $errors.Count | Should -BeGreaterThan 0 -Because 'Wait-VeoVideo reports the failed generation'
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'GenerationFailed,*' }).Count | Should -Be 1
        $progress.Count | Should -BeGreaterThan 0
        ($progress | Where-Object { $_.Activity -match 'a fox' }).Count | Should -BeGreaterThan 0 -Because 'the activity shows the echoed prompt'

        $texts = @(
            $result.Messages
            $errors | ForEach-Object { $_.Exception.Message; "$_" }
            $progress | ForEach-Object { $_.Activity; $_.StatusDescription; $_.CurrentOperation }
            $verbose
            $result.Video.FailureReason; $result.Video.Prompt; $result.Video.RawStatus
            $result.Video.AdditionalFields.Keys; $result.Video.AdditionalFields.Values
        ) | Where-Object { $_ }
        $texts.Count | Should -BeGreaterThan 10
        foreach ($text in $texts) {
            "$text" | Should -Not -Match $Unsafe -Because "'$text' holds $(Show-Unsafe $text)"
        }
        $result.Rendered | Should -Match 'Video generation failed'
        $result.Rendered | Should -Not -Match $UnsafeInRendering -Because "the views hold $(Show-Unsafe $result.Rendered)"
        $result.Video.FailureReason.Length | Should -BeLessOrEqual 503 -Because 'a long reason is cut with an ellipsis'
    }

    It 'shows an error message sent with escape sequences as printable text' {
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'escapeText' -Count 1
        try {
            $record = try { New-VeoVideo -Prompt 'a bear' -ErrorAction Stop } catch { $_ }
        } finally {
            Clear-VeoEmulatorFault $Emulator
        }
        $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
        $record.Exception.Message | Should -Match 'rejected'
        $record.Exception.Message | Should -Not -Match $Unsafe
        $record.Exception.ApiMessage | Should -Not -Match $Unsafe
        ($record | Out-String) | Should -Not -Match $UnsafeInRendering
    }
}

Describe 'Downloads never splice and never carry the key' {
    AfterEach {
        Clear-VeoEmulatorFault $Emulator
        Set-VeoEmulatorConfig $Emulator @{ changingVideo = 'off'; ignoreIfRange = $false; gzip = 'json'; videoOrigin = 'cdn' }
    }

    It 'saves one version in full when the file changes while a broken transfer resumes (<Changing>, If-Range ignored: <Ignore>)' -ForEach @(
        @{ Changing = 'etag'; Ignore = $true }
        @{ Changing = 'last-modified'; Ignore = $false }
        @{ Changing = 'none'; Ignore = $false }
    ) {
        $video = New-VeoVideo -Prompt "a changing file $Changing" | Wait-VeoVideo -PollIntervalSec 0.1
        Set-VeoEmulatorConfig $Emulator @{ changingVideo = $Changing; ignoreIfRange = $Ignore }
        Reset-VeoEmulatorStats $Emulator
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate' -Count 1

        $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive "changing-$Changing")

        $stats = Get-VeoEmulatorStats $Emulator
        $stats.videoVersionsServed | Should -Be $stats.requests.'cdn-video'
        $versions = 1..$stats.videoVersionsServed | ForEach-Object { (Invoke-RestMethod -Uri "$($Emulator.ControlUri)/videos/$($video.Uuid)?version=$_").sha256 }
        $saved = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        $versions | Should -Contain $saved
        $saved | Should -Not -Be $versions[0] -Because 'the first version was cut; a later one was saved whole'
    }

    It 'saves the original bytes from a CDN that compresses, after a transfer cut halfway' {
        Set-VeoEmulatorConfig $Emulator @{ gzip = 'all' }
        $video = New-VeoVideo -Prompt 'a compressed fox' | Wait-VeoVideo -PollIntervalSec 0.1
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'cdn-video' -Kind 'truncate' -Count 1
        $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'gzip')
        (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant() |
            Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
    }

    It 'never sends the key to a videoUrl on the API''s own origin' {
        Set-VeoEmulatorConfig $Emulator @{ videoOrigin = 'api' }
        Reset-VeoEmulatorStats $Emulator
        $video = New-VeoVideo -Prompt 'a same-origin fox' | Wait-VeoVideo -PollIntervalSec 0.1
        ([uri]$video.VideoUrl).Authority | Should -Be $Emulator.ApiUri.Authority
        $file = $video | Save-VeoVideo -Destination (Join-Path $TestDrive 'same-origin')
        (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant() |
            Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $video.Uuid).sha256
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'cdn-video' | Should -Be 1
        @($stats.apiVideoAuthorizationHeaders).Count | Should -Be 0
        @($stats.cdnAuthorizationHeaders).Count | Should -Be 0
    }
}

Describe 'Uploads a strict multipart parser reads' {
    It 'sends a non-ASCII file name whole, as curl does' {
        $name = "f$([char]0xF8)to $([char]0xFC)ber $([char]0x65E5)$([char]0x672C).png"
        $path = Join-Path $TestDrive $name
        Copy-Item -LiteralPath (Join-Path $FixturesPath 'sample.png') -Destination $path
        Reset-VeoEmulatorStats $Emulator
        $image = Send-VeoImage -LiteralPath $path
        $image.ImageKey | Should -Not -BeNullOrEmpty
        @((Get-VeoEmulatorStats $Emulator).uploadFileNames) | Should -Be @($name)
    }
}
