# Every error case (docs/about_Veo31.help.txt, ERRORS) maps to its ErrorId, category and exception properties, whichever
# cmdlet meets it (the error table is one place for all of them).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'

    function script:Connect-Emulator {
        param([int] $MaxRetryCount = 0, [int] $TimeoutSec = 10, [securestring] $ApiKey = $Emulator.SecureKey, [uri] $BaseUri = $Emulator.ApiUri)
        Connect-Veo -BaseUri $BaseUri -ApiKey $ApiKey -MaxRetryCount $MaxRetryCount -TimeoutSec $TimeoutSec
    }

    function script:Assert-VeoError($Record, [string] $ErrorId, [string] $Category) {
        $Record | Should -Not -BeNullOrEmpty -Because "an error $ErrorId was expected"
        $Record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        "$($Record.CategoryInfo.Category)" | Should -Be $Category
        $Record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        $Record.Exception.ErrorId | Should -Be $ErrorId
    }
}

AfterAll {
    Stop-VeoTestSession $script:Emulator
}

Describe 'API error codes' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Emulator
    }

    It '1000 becomes InvalidParameters (InvalidArgument)' {
        $record = Get-VeoError { New-VeoVideo -Prompt 'an image nobody uploaded' -ImageUrl 'http://127.0.0.1:1/images/none' -ImageKey 'no-such-key' -ErrorAction Stop }
        Assert-VeoError $record 'InvalidParameters' 'InvalidArgument'
        $record.Exception.Code | Should -Be 1000
        $record.TargetObject | Should -Be 'an image nobody uploaded' -Because 'the item is the target'
    }

    It '1001 becomes InsufficientCredits (QuotaExceeded) showing required and current credits' {
        Set-VeoEmulatorKey $Emulator -Key 'poor-key' -Credits 1
        Connect-Emulator -ApiKey (ConvertTo-SecureString 'poor-key' -AsPlainText -Force)
        $record = Get-VeoError { New-VeoVideo -Prompt 'costs two credits' -ErrorAction Stop }
        Assert-VeoError $record 'InsufficientCredits' 'QuotaExceeded'
        $record.Exception.Code | Should -Be 1001
        $record.Exception.RequiredCredits | Should -Be 2
        $record.Exception.CurrentCredits | Should -Be 1
        $record.Exception.Message | Should -Match '2'
        $record.Exception.Message | Should -Match '1'
        $record.Exception.Message | Should -Match 'required 2'
    }

    It '1002 becomes AuthenticationFailed (AuthenticationError)' {
        Connect-Emulator -ApiKey (ConvertTo-SecureString 'not-a-real-key' -AsPlainText -Force)
        $record = Get-VeoError { New-VeoVideo -Prompt 'wrong key' -ErrorAction Stop }
        Assert-VeoError $record 'AuthenticationFailed' 'AuthenticationError'
        $record.Exception.Code | Should -Be 1002
        $record.Exception.HttpStatus | Should -Be 401
        # A refused key dooms every later item: it ends a piped batch without -ErrorAction Stop.
        $record = Get-VeoError { 'a', 'b' | New-VeoVideo }
        Assert-VeoError $record 'AuthenticationFailed' 'AuthenticationError'
    }

    It '1003 becomes RateLimited (LimitsExceeded) with the Retry-After' {
        $video = New-VeoVideo -Prompt 'rate limited status'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'rateLimit' -RetryAfter 2
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        Assert-VeoError $record 'RateLimited' 'LimitsExceeded'
        $record.Exception.Code | Should -Be 1003
        $record.Exception.HttpStatus | Should -Be 429
        $record.Exception.RetryAfter | Should -Be ([timespan]::FromSeconds(2))
        $record.Exception.Uuid | Should -Be $video.Uuid
    }

    It '5000 becomes ServerError (ResourceUnavailable)' {
        $video = New-VeoVideo -Prompt 'server error status'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'error5000'
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        Assert-VeoError $record 'ServerError' 'ResourceUnavailable'
        $record.Exception.Code | Should -Be 5000
    }

    It '5000 from a status read fails that uuid alone: the next piped uuid is still read, and the error names its uuid' {
        $video = New-VeoVideo -Prompt 'server error once'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'error5000' -Count 1
        $statuses = @($video.Uuid, $video.Uuid | Get-VeoVideoStatus -ErrorVariable statusErrors -ErrorAction SilentlyContinue)
        $statuses.Uuid | Should -Be @($video.Uuid)
        $statusErrors.Count | Should -Be 1
        Assert-VeoError $statusErrors[0] 'ServerError' 'ResourceUnavailable'
        $statusErrors[0].Exception.Code | Should -Be 5000
        $statusErrors[0].TargetObject | Should -Be $video.Uuid
    }

    It 'an HTML 502 from a proxy becomes ServerError with the HTTP status' {
        $video = New-VeoVideo -Prompt 'html from a proxy'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'html502'
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        Assert-VeoError $record 'ServerError' 'ResourceUnavailable'
        $record.Exception.HttpStatus | Should -Be 502
        $record.Exception.Code | Should -BeNullOrEmpty -Because 'an HTML page carries no API code'
    }

    It 'malformed JSON becomes InvalidResponse (ProtocolError)' {
        $video = New-VeoVideo -Prompt 'malformed status'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'malformedJson'
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        Assert-VeoError $record 'InvalidResponse' 'ProtocolError'
    }

    It 'a 5000 answer to generate is GenerationOutcomeUnknown after exactly one POST' {
        Reset-VeoEmulatorStats $Emulator
        Connect-Emulator -MaxRetryCount 3
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'error5000'
        $record = Get-VeoError { New-VeoVideo -Prompt 'maybe charged' -ErrorAction Stop }
        Assert-VeoError $record 'GenerationOutcomeUnknown' 'InvalidResult'
        $record.Exception.RequestFingerprint | Should -Not -BeNullOrEmpty
        (Get-VeoEmulatorStats $Emulator).requests.'generate-video' | Should -Be 1
    }
}

Describe 'Transport failures' {
    BeforeEach { Clear-VeoEmulatorFault $Emulator }

    It 'a refused connection becomes ConnectionFailed (ConnectionError)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        Connect-Emulator -BaseUri "http://127.0.0.1:$port/api"
        $record = Get-VeoError { Get-VeoVideoStatus -Uuid 'no-server-here' -ErrorAction Stop }
        Assert-VeoError $record 'ConnectionFailed' 'ConnectionError'
    }

    It 'an answer slower than -TimeoutSec becomes Timeout (OperationTimeout)' {
        Connect-Emulator -TimeoutSec 1
        $video = New-VeoVideo -Prompt 'slow status'
        $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'delay' -DelayMs 5000
        try {
            $record = Get-VeoError { Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop }
        } finally { Clear-VeoEmulatorFault $Emulator }
        Assert-VeoError $record 'Timeout' 'OperationTimeout'
    }
}

Describe 'Generation and local checks' {
    BeforeEach {
        Clear-VeoEmulatorFault $Emulator
        Connect-Emulator
    }

    It 'a failed generation is a non-terminating GenerationFailed (InvalidResult) with the reason' {
        $video = New-VeoVideo -Prompt 'this one breaks [fail]'
        $results = $video | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty
        $waitErrors.Count | Should -Be 1
        Assert-VeoError $waitErrors[0] 'GenerationFailed' 'InvalidResult'
        $waitErrors[0].TargetObject.Uuid | Should -Be $video.Uuid
        $waitErrors[0].Exception.Message | Should -Match 'policy|fail'
        $waitErrors[0].Exception.Message | Should -Match ([regex]::Escape($video.Uuid))
        "$($waitErrors[0].TargetObject.Status)" | Should -Be 'Failed'
        $waitErrors[0].TargetObject.FailureReason | Should -Not -BeNullOrEmpty
    }

    It 'GenerationFailed stops a script under -ErrorAction Stop' {
        $video = New-VeoVideo -Prompt 'this one breaks too [fail:errorMessage]'
        $record = Get-VeoError { $video | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorAction Stop }
        Assert-VeoError $record 'GenerationFailed' 'InvalidResult'
    }

    It 'a text file renamed .png is ImageFormatNotSupported (InvalidData) before any upload' {
        Reset-VeoEmulatorStats $Emulator
        $fake = Join-Path $TestDrive 'not-really.png'
        Set-Content -LiteralPath $fake -Value 'this is text, not an image'
        $record = Get-VeoError { Send-VeoImage -LiteralPath $fake -ErrorAction Stop }
        Assert-VeoError $record 'ImageFormatNotSupported' 'InvalidData'
        (Get-VeoEmulatorStats $Emulator).requests.'upload-video-image' | Should -Be 0
    }

    It 'a 51 MB image is ImageTooLarge (LimitsExceeded) before any upload' {
        Reset-VeoEmulatorStats $Emulator
        $big = Join-Path $TestDrive 'huge.png'
        $stream = [System.IO.File]::Create($big)
        try {
            $signature = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
            $stream.Write($signature, 0, 8)
            $stream.SetLength(51MB)
        } finally { $stream.Dispose() }
        $record = Get-VeoError { Send-VeoImage -LiteralPath $big -ErrorAction Stop }
        Assert-VeoError $record 'ImageTooLarge' 'LimitsExceeded'
        (Get-VeoEmulatorStats $Emulator).requests.'upload-video-image' | Should -Be 0
    }

    It 'a per-item failure does not stop the other items' {
        $fake = Join-Path $TestDrive 'broken.png'
        Set-Content -LiteralPath $fake -Value 'not an image'
        $good = Join-Path $FixturesPath 'sample.png'
        Reset-VeoEmulatorStats $Emulator
        $images = @($fake, $good | Send-VeoImage -ErrorVariable uploadErrors -ErrorAction SilentlyContinue)
        $images.Count | Should -Be 1
        $uploadErrors.Count | Should -Be 1
        $uploadErrors[0].TargetObject | Should -Not -BeNullOrEmpty
        # Review 13b (ErrorTests.A_text_file_named_png...): the error is the bad file's, with that path as its target, and
        # only the good image was uploaded.
        Assert-VeoError $uploadErrors[0] 'ImageFormatNotSupported' 'InvalidData'
        "$($uploadErrors[0].TargetObject)" | Should -BeLike '*broken.png'
        (Get-VeoEmulatorStats $Emulator).requests.'upload-video-image' | Should -Be 1
    }

    It 'without a session every cmdlet reports NotConnected (InvalidOperation)' {
        Disconnect-Veo
        $record = Get-VeoError { New-VeoVideo -Prompt 'nobody connected' -ErrorAction Stop }
        $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        "$($record.CategoryInfo.Category)" | Should -Be 'InvalidOperation'
    }
}
