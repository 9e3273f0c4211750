# Connect-Veo: the key as people paste it, the journal it is given, the session it makes current and the
# environment it reads; and sessions that stay open for whoever holds them (another pipeline, runspace or
# Connect-Veo).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Connect-Veo' {
    BeforeAll {
        $script:Emulator = Start-VeoTestSession '--job-seconds', '0.3'
        $script:SavedKey = $env:VEO_API_KEY

        function script:ConvertTo-Secure([string] $Text) {
            $secure = [securestring]::new()
            foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
            $secure.MakeReadOnly()
            $secure
        }

        # Runs a script in a runspace of its own (as another pipeline of the same process would) and returns its handle.
        function script:Start-OtherRunspace([scriptblock] $Script, [object[]] $Arguments) {
            $shell = [powershell]::Create()
            $null = $shell.AddScript($Script)
            foreach ($argument in $Arguments) { $null = $shell.AddArgument($argument) }
            [pscustomobject]@{ Shell = $shell; Async = $shell.BeginInvoke() }
        }
    }
    AfterAll {
        $env:VEO_API_KEY = $SavedKey
        Stop-VeoTestSession $script:Emulator
    }

    Context 'Keys as people paste them' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            $env:VEO_API_KEY = $SavedKey
        }

        It 'trims <Name> around the key given by <Source>' -ForEach @(
            @{ Name = 'a trailing newline (Get-Content -Raw)'; Around = @('', "`n"); Source = '-ApiKey' }
            @{ Name = 'CRLF and spaces'; Around = @('  ', " `r`n"); Source = '-Credential' }
            @{ Name = 'tabs and a no-break space'; Around = @("`t", "$([char]0xA0)`n"); Source = '$env:VEO_API_KEY' }
        ) {
            $pasted = $Around[0] + $Emulator.ApiKey + $Around[1]
            switch ($Source) {
                '-ApiKey' { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-Secure $pasted) }
                '-Credential' { Connect-Veo -BaseUri $Emulator.ApiUri -Credential ([pscredential]::new('veo', (ConvertTo-Secure $pasted))) }
                '$env:VEO_API_KEY' { $env:VEO_API_KEY = $pasted; Connect-Veo -BaseUri $Emulator.ApiUri }
            }
            $video = New-VeoVideo -Prompt "pasted key via $Source" | Wait-VeoVideo -PollIntervalSec 0.1
            "$($video.Status)" | Should -Be 'Completed'
        }

        It 'refuses a key with <Name> at connect time with InvalidApiKey, sending nothing and never showing the key' -ForEach @(
            @{ Name = 'a non-ASCII letter'; Bad = 'pasted-key-é-' }
            @{ Name = 'a no-break space inside'; Bad = "pasted-key-$([char]0xA0)-" }
            @{ Name = 'a line break inside'; Bad = "pasted-key-`n-" }
            @{ Name = 'a NUL inside'; Bad = "pasted-key-$([char]0)-"; NotInEnvironment = $true }
            @{ Name = 'an escape sequence'; Bad = "pasted-key-`e[2K-" }
        ) {
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            $before = Get-VeoSession
            $secret = $Bad + [guid]::NewGuid().ToString('n')
            Reset-VeoEmulatorStats $Emulator
            $connects = @(
                { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-Secure $secret) }
                { Connect-Veo -BaseUri $Emulator.ApiUri -Credential ([pscredential]::new('veo', (ConvertTo-Secure $secret))) })
            # An environment variable cannot hold a NUL (the OS ends the value there).
            if (-not $NotInEnvironment) { $connects += { $env:VEO_API_KEY = $secret; Connect-Veo -BaseUri $Emulator.ApiUri } }
            foreach ($connect in $connects) {
                $record = Get-VeoError $connect
                $record | Should -Not -BeNullOrEmpty -Because 'Connect-Veo must stop'
                $record.FullyQualifiedErrorId | Should -BeLike 'InvalidApiKey,*'
                "$($record.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
                $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
                $shown = ($record | Format-List * -Force | Out-String) + ($record.Exception | Format-List * -Force | Out-String) + "$($record.Exception)"
                $shown | Should -Not -Match ([regex]::Escape($secret.Trim()))
                $shown | Should -Not -Match 'pasted-key'
            }
            (Get-VeoSession) | Should -Be $before -Because 'a refused key leaves the current session as it was'
            $before.IsOpen | Should -BeTrue
            @((Get-VeoEmulatorStats $Emulator).requests.psobject.Properties | Where-Object { $_.Value -gt 0 }).Count | Should -Be 0
        }

        It 'refuses a key that is empty once trimmed with InvalidApiKey' {
            foreach ($blank in "   ", "`r`n", "`t") {
                $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey (ConvertTo-Secure $blank) }
                $record.FullyQualifiedErrorId | Should -BeLike 'InvalidApiKey,*'
            }
            $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey ([securestring]::new()) }
            $record.FullyQualifiedErrorId | Should -BeLike 'InvalidApiKey,*'
        }

        # Connect-Veo stands behind the same guard as every other cmdlet: no raw .NET exception reaches the user.
        It 'a journal path that is not a valid path is InvalidParameters with a VeoApiException, not a raw .NET exception' {
            $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath "bad`0name.jsonl" }
            $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
            $record.Exception | Should -BeOfType ([Veo31.PowerShell.VeoApiException])
            $record.Exception.Message | Should -Match 'not a valid file path'
        }

        It 'a -JournalPath on a drive that does not exist is PathNotFound with a VeoApiException, not a raw DriveNotFoundException' {
            $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'nosuchdrive13:\journal.jsonl' }
            $record.Exception | Should -BeOfType ([Veo31.PowerShell.VeoApiException])
            $record.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
            $record.Exception.Message | Should -Match "drive 'nosuchdrive13' does not exist"
        }

        # Save-VeoVideo -Destination and Send-VeoImage refuse such paths too; the journal (the record of every paid uuid)
        # must never become a file of that name in the process's working directory.
        It 'a -JournalPath on another provider''s drive (variable:) is NotAFileSystemPath, and no journal file is made' {
            Push-Location -LiteralPath $TestDrive
            try {
                $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath 'variable:\review13journal' }
                $record.FullyQualifiedErrorId | Should -BeLike 'NotAFileSystemPath,*'
                Join-Path ([Environment]::CurrentDirectory) 'review13journal' | Should -Not -Exist
            } finally { Pop-Location }
        }

        It 'a -Proxy that HttpClient cannot use is InvalidParameters at Connect-Veo, not UnexpectedError on every later call' -ForEach @(
            @{ Proxy = 'proxy.example' }, @{ Proxy = 'socks9://127.0.0.1:1080' }, @{ Proxy = 'ftp://127.0.0.1:21' }
        ) {
            $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -Proxy $Proxy }
            $record.FullyQualifiedErrorId | Should -BeLike 'InvalidParameters,*'
            $record.Exception.Message | Should -Match 'not an absolute http, https or socks URI'
        }
    }

    Context 'The journal it is given' {
    It 'a folder given as the journal is refused when connecting, not at the first paid job' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive ('journal-folder-' + [guid]::NewGuid().ToString('n')))
        { Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $folder.FullName } | Should -Throw -ErrorId 'InvalidParameters,*'
    }
    }

    Context 'The session it makes current and the environment it reads' {
        BeforeEach { $env:VEO_API_KEY = $SavedKey }

        It 'returns the session with its settings with -PassThru and makes it current' {
            $journal = Join-Path $TestDrive 'passthru.jsonl'
            $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -MaxRetryCount 2 -TimeoutSec 7 -JournalPath $journal -PassThru
            $session.BaseUri.AbsoluteUri | Should -Be ($Emulator.ApiUri.AbsoluteUri.TrimEnd('/') + '/')
            $session.TimeoutSec | Should -Be 7
            $session.MaxRetryCount | Should -Be 2
            $session.JournalPath | Should -Be $journal
            $session.IsOpen | Should -BeTrue
            (Get-VeoSession) | Should -Be $session
        }

        It 'stops with ApiKeyMissing (AuthenticationError) without a key or $env:VEO_API_KEY, and never prompts' {
            Remove-Item Env:VEO_API_KEY -ErrorAction SilentlyContinue
            $record = Get-VeoError { Connect-Veo -BaseUri $Emulator.ApiUri }
            $record | Should -Not -BeNullOrEmpty -Because 'Connect-Veo must stop'
            $record.FullyQualifiedErrorId | Should -BeLike 'ApiKeyMissing,*'
            "$($record.CategoryInfo.Category)" | Should -Be 'AuthenticationError'
            $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        }

        It 'uses $env:VEO_API_KEY and $env:VEO_BASE_URI when no parameter is given' {
            $savedUri = $env:VEO_BASE_URI
            $env:VEO_API_KEY = $Emulator.ApiKey
            $env:VEO_BASE_URI = "$($Emulator.ApiUri)"
            try {
                $session = Connect-Veo -JournalPath (Join-Path $TestDrive 'from-environment.jsonl') -PassThru
                $video = New-VeoVideo -Prompt 'from the environment'
            } finally { $env:VEO_BASE_URI = $savedUri }
            $session.BaseUri.Port | Should -Be $Emulator.ApiUri.Port
            $video.Uuid | Should -Not -BeNullOrEmpty
        }

        It 'refuses plain http to a remote host with UnsafeUrl (SecurityError)' {
            $record = Get-VeoError { Connect-Veo -BaseUri 'http://example.invalid/api' -ApiKey $Emulator.SecureKey }
            $record | Should -Not -BeNullOrEmpty -Because 'Connect-Veo must stop'
            $record.FullyQualifiedErrorId | Should -BeLike 'UnsafeUrl,*'
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            $record.Exception.GetType().FullName | Should -Be 'Veo31.PowerShell.VeoApiException'
        }
    }

    Context 'Sessions stay open for whoever holds them' {
        BeforeEach {
            Clear-VeoEmulatorFault $Emulator
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
        }

        It 'ForEach-Object -Parallel: 4 runspaces each Connect-Veo and generate, 4 of 4 complete' {
            Reset-VeoEmulatorStats $Emulator
            $connected = [System.Collections.Concurrent.ConcurrentBag[int]]::new()
            $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                $bag = $using:connected
                try {
                    Import-Module $using:ModulePath
                    $journal = Join-Path $using:TestDrive "parallel-$_.jsonl"
                    Connect-Veo -BaseUri ($using:Emulator).ApiUri -ApiKey ($using:Emulator).SecureKey -JournalPath $journal
                    # Every worker connects before any works, so a Connect-Veo that replaced or closed another's session would show.
                    $bag.Add($_)
                    $deadline = [DateTime]::UtcNow.AddSeconds(30)
                    while ($bag.Count -lt 4 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                    $video = New-VeoVideo -Prompt "parallel worker $_" -ErrorAction Stop | Wait-VeoVideo -PollIntervalSec 0.1 -ErrorAction Stop
                    # Each runspace worked on the session it connected: the job is in its own journal.
                    $own = (Test-Path -LiteralPath $journal) -and [bool](Select-String -LiteralPath $journal -SimpleMatch $video.Uuid -Quiet)
                    "$($video.Status) in own journal: $own"
                } catch {
                    $bag.Add(0)
                    "failed: $($_.FullyQualifiedErrorId) $($_.Exception.Message)"
                }
            }
            $results | Should -Be @(1..4 | ForEach-Object { 'Completed in own journal: True' })
            (Get-VeoEmulatorStats $Emulator).generations | Should -Be 4
            (Get-VeoSession).IsOpen | Should -BeTrue -Because "the workers' Connect-Veo does not touch this runspace's session"
        }

        It 'a session from -PassThru survives a second Connect-Veo and stays usable with -Session' {
            $kept = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
            Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
            $kept.IsOpen | Should -BeTrue
            (Get-VeoSession) | Should -Not -Be $kept
            $video = New-VeoVideo -Prompt 'on the kept session' -Session $kept | Wait-VeoVideo -Session $kept -PollIntervalSec 0.1
            "$($video.Status)" | Should -Be 'Completed'
            Disconnect-Veo -Session $kept
        }

        It 'a Connect-Veo inside a running pipeline does not close the session the pipeline is using' {
            $uri = $Emulator.ApiUri; $key = $Emulator.SecureKey
            $videos = @('first in pipeline', 'second in pipeline' | New-VeoVideo |
                ForEach-Object { Connect-Veo -BaseUri $uri -ApiKey $key; $_ } |
                Wait-VeoVideo -PollIntervalSec 0.1)
            $videos.Count | Should -Be 2
            $videos.Status | Should -Be @('Completed', 'Completed')
        }

        It 'a generation on the wire when its session is closed finishes and is journaled; later calls are NotConnected' {
            $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'generate-video' -Kind 'delay' -DelayMs 1500 -Count 1
            Reset-VeoEmulatorStats $Emulator
            $closer = Start-OtherRunspace { param($s) Start-Sleep -Milliseconds 500; $s.Dispose() } $session
            try {
                $video = New-VeoVideo -Prompt 'closed while on the wire' -Session $session -ErrorVariable generateErrors -ErrorAction SilentlyContinue
                $closer.Shell.EndInvoke($closer.Async)
            } finally { $closer.Shell.Dispose() }
            $generateErrors.Count | Should -Be 0 -Because "$($generateErrors | ForEach-Object FullyQualifiedErrorId)"
            $video.Uuid | Should -Not -BeNullOrEmpty
            (Get-VeoVideo -Uuid $video.Uuid).Uuid | Should -Be $video.Uuid
            (Get-VeoEmulatorStats $Emulator).generations | Should -Be 1
            $session.IsOpen | Should -BeFalse
            $record = Get-VeoError { New-VeoVideo -Prompt 'after close' -Session $session }
            $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        }

        It 'a session closed while Wait-VeoVideo polls ends the wait with NotConnected, never a timeout' {
            $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
            $video = New-VeoVideo -Prompt 'a long one [seconds=30]' -Session $session
            $null = Add-VeoEmulatorFault $Emulator -Endpoint 'video-status' -Kind 'delay' -DelayMs 1500
            $closer = Start-OtherRunspace { param($s) Start-Sleep -Milliseconds 600; $s.Dispose() } $session
            $log = [System.Collections.Generic.List[string]]::new()
            try {
                $record = Get-VeoError { $video | Wait-VeoVideo -Session $session -PollIntervalSec 0.1 -Verbose 4>&1 | ForEach-Object { $log.Add("$_") } }
                $closer.Shell.EndInvoke($closer.Async)
            } finally { $closer.Shell.Dispose() }
            $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
            "$($record.CategoryInfo.Category)" | Should -Be 'InvalidOperation'
            $log.Count | Should -BeGreaterThan 0 -Because 'the poll on the wire is logged'
            ($log -join "`n") | Should -Not -Match 'timed out|timeout'
        }

        It 'a session closed while Wait-VeoVideo sleeps until a far poll ends the wait at once' {
            $session = Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -PassThru
            $video = New-VeoVideo -Prompt 'a long one [seconds=40]' -Session $session
            $closer = Start-OtherRunspace { param($s) Start-Sleep -Milliseconds 1500; $s.Dispose() } $session
            $clock = [Diagnostics.Stopwatch]::StartNew()
            try {
                # The first poll learns ~40 s to go, so the next one is planned far away; closing must not wait for it.
                $record = Get-VeoError { $video | Wait-VeoVideo -Session $session -PollIntervalSec 0.2 }
                $closer.Shell.EndInvoke($closer.Async)
            } finally { $closer.Shell.Dispose() }
            $clock.Stop()
            $record.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
    }
}
