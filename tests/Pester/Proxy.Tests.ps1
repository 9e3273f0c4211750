# Proxies: Connect-Veo -Proxy / -ProxyCredential, and HTTP_PROXY / NO_PROXY read by the module itself (as it must on
# Windows PowerShell 5.1, where .NET Framework ignores them), all against the emulator's recording proxy.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.3', '--proxy-urls', 'http://127.0.0.1:0'
    $script:ProxyUser = 'veo-proxy-user'
    $script:ProxyPassword = 'veo-proxy-pass'
    $script:AuthEmulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.3', '--proxy-urls', 'http://127.0.0.1:0',
        '--proxy-require-auth', "${ProxyUser}:${ProxyPassword}"
    $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'

    # Generation, status, wait and download: the calls whose URLs the proxy must list.
    function script:Invoke-VeoRoundTrip([string] $Prompt, [string] $Destination) {
        $video = New-VeoVideo -Prompt $Prompt -ErrorAction Stop
        $null = Get-VeoVideoStatus -Uuid $video.Uuid -ErrorAction Stop
        $done = $video | Wait-VeoVideo -PollIntervalSec 0.1 -TimeoutSec 30 -ErrorAction Stop
        $file = $done | Save-VeoVideo -Destination $Destination -ErrorAction Stop
        [pscustomobject]@{ Video = $done; File = $file }
    }

    function script:Get-ProxyRequests($Emu) { @((Get-VeoEmulatorStats $Emu).proxyRequests) }

    # The URLs a round trip of that uuid must have sent through the proxy.
    function script:Get-ExpectedUrls($Emu, [string] $Uuid) {
        "$($Emu.ApiUri)/generate-video"
        "$($Emu.ApiUri)/video-status/$Uuid"
        "$($Emu.CdnUri.GetLeftPart([UriPartial]::Authority))/videos/$Uuid.mp4"
    }

    # Runs a script in a fresh pwsh (dotnet pwsh.dll) with the given environment variables, set only around the call so
    # this process's own requests (the control endpoints) never go through the proxy. The last line is JSON.
    function script:Invoke-ChildPwsh([string] $Script, [hashtable] $Environment = @{}) {
        # Every proxy variable (both cases: Linux names are case-sensitive) is cleared first, then the given ones set.
        $names = 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'
        $saved = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
        foreach ($name in $names + @($Environment.Keys)) {
            if (-not $saved.ContainsKey($name)) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        }
        foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $null) }
        foreach ($name in $Environment.Keys) { [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
        try {
            $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Script 2>&1
        } finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output | Select-Object -Last 1) | ConvertFrom-Json
    }

    # The child's part: connect (key and base from the environment-free parameters), round trip, report.
    function script:Get-ChildRoundTripScript($Emu, [string] $Prompt, [string] $Destination) {
        @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$env:VEO_JOURNAL = '$(Join-Path $TestDrive 'child-journal.jsonl')'
Connect-Veo -BaseUri '$($Emu.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emu.ApiKey)' -AsPlainText -Force) -MaxRetryCount 0
`$video = New-VeoVideo -Prompt '$Prompt' | Wait-VeoVideo -PollIntervalSec 0.1 -TimeoutSec 30
`$file = `$video | Save-VeoVideo -Destination '$Destination'
[pscustomobject]@{ Uuid = `$video.Uuid; Status = "`$(`$video.Status)"; Length = `$file.Length } | ConvertTo-Json -Compress
"@
    }
}

AfterAll {
    Disconnect-Veo -ErrorAction SilentlyContinue
    Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    if ($script:AuthEmulator) { Stop-VeoEmulator $script:AuthEmulator }
}

Describe 'The emulator helper' {
    It 'reports the proxy address only when the proxy was asked for' {
        $Emulator.ProxyUri | Should -Not -BeNullOrEmpty
        $Emulator.ProxyUri.Host | Should -Be '127.0.0.1'
        $Emulator.ProxyUri.Port | Should -Not -Be $Emulator.ApiUri.Port
        $plain = Start-VeoEmulator
        try { $plain.ProxyUri | Should -BeNullOrEmpty } finally { Stop-VeoEmulator $plain }
    }
}

Describe 'Connect-Veo -Proxy' {
    BeforeEach {
        Reset-VeoEmulatorStats $Emulator
        Reset-VeoEmulatorStats $AuthEmulator
    }
    AfterEach { Disconnect-Veo -ErrorAction SilentlyContinue }

    It 'sends generation, status polls and the download through the proxy' {
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -Proxy $Emulator.ProxyUri -MaxRetryCount 0
        $result = Invoke-VeoRoundTrip -Prompt 'through an explicit proxy' -Destination (Join-Path $TestDrive 'explicit')

        "$($result.Video.Status)" | Should -Be 'Completed'
        $result.File.Length | Should -Be (Get-VeoEmulatorVideoHash $Emulator -Uuid $result.Video.Uuid).length
        $proxied = Get-ProxyRequests $Emulator
        $urls = @($proxied.url)
        foreach ($url in Get-ExpectedUrls $Emulator $result.Video.Uuid) { $urls | Should -Contain $url }
        @($proxied | Where-Object { $_.method -eq 'POST' }).Count | Should -Be 1
        @($proxied | Where-Object { $_.proxyAuthorization }).Count | Should -Be 0
        # Everything the API and the CDN saw came through the proxy.
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.requests.'video-status' | Should -Be @($proxied | Where-Object { $_.url -like '*/video-status/*' }).Count
        $stats.requests.'cdn-video' | Should -Be @($proxied | Where-Object { $_.url -like '*/videos/*' }).Count
        $stats.cdnAuthorizationHeaders | Should -BeNullOrEmpty
    }

    It 'sends -ProxyCredential to a proxy that asks for it (Basic), including for an upload' {
        $credential = [pscredential]::new($ProxyUser, (ConvertTo-SecureString $ProxyPassword -AsPlainText -Force))
        Connect-Veo -BaseUri $AuthEmulator.ApiUri -ApiKey $AuthEmulator.SecureKey -Proxy $AuthEmulator.ProxyUri -ProxyCredential $credential -MaxRetryCount 0
        $image = New-VeoSamplePng -Path (Join-Path $TestDrive 'proxied.png')
        $uploaded = Send-VeoImage -LiteralPath $image.FullName -ErrorAction Stop
        $uploaded.ImageUrl | Should -Not -BeNullOrEmpty
        $result = Invoke-VeoRoundTrip -Prompt 'through an authenticating proxy' -Destination (Join-Path $TestDrive 'authenticated')

        "$($result.Video.Status)" | Should -Be 'Completed'
        $forwarded = @(Get-ProxyRequests $AuthEmulator | Where-Object { $_.status -ne 407 })
        foreach ($url in Get-ExpectedUrls $AuthEmulator $result.Video.Uuid) { @($forwarded.url) | Should -Contain $url }
        @($forwarded.url) | Should -Contain "$($AuthEmulator.ApiUri)/upload-video-image"
        foreach ($request in $forwarded) {
            $request.proxyAuthorization | Should -BeTrue -Because "$($request.url) went through the proxy"
            $request.proxyUser | Should -Be $ProxyUser
        }
        (Get-VeoEmulatorStats $AuthEmulator).generations | Should -Be 1 -Because 'a 407 challenge must not turn into a second charge'
    }

    It 'fails without -ProxyCredential when the proxy asks for one, and nothing reaches the API' {
        Connect-Veo -BaseUri $AuthEmulator.ApiUri -ApiKey $AuthEmulator.SecureKey -Proxy $AuthEmulator.ProxyUri -MaxRetryCount 0
        $failure = $null
        try { $null = Get-VeoVideoStatus -Uuid 'no-credentials' -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.Exception.HttpStatus | Should -Be 407
        $proxied = @(Get-ProxyRequests $AuthEmulator)
        $proxied.Count | Should -BeGreaterThan 0
        @($proxied | Where-Object { $_.status -ne 407 }).Count | Should -Be 0
        (Get-VeoEmulatorStats $AuthEmulator).requests.'video-status' | Should -Be 0
    }
}

Describe 'HTTP_PROXY and NO_PROXY in a fresh process' {
    BeforeEach { Reset-VeoEmulatorStats $Emulator }

    It 'sends every call through the proxy HTTP_PROXY names' {
        $script = Get-ChildRoundTripScript $Emulator 'through HTTP_PROXY' (Join-Path $TestDrive 'env-proxy')
        $result = Invoke-ChildPwsh $script @{ HTTP_PROXY = "$($Emulator.ProxyUri)" }

        $result.Status | Should -Be 'Completed'
        $result.Length | Should -BeGreaterThan 0
        $urls = @((Get-ProxyRequests $Emulator).url)
        foreach ($url in Get-ExpectedUrls $Emulator $result.Uuid) { $urls | Should -Contain $url }
    }

    It 'goes direct to hosts NO_PROXY lists, and the calls still succeed' {
        $script = Get-ChildRoundTripScript $Emulator 'bypassing the proxy' (Join-Path $TestDrive 'no-proxy')
        $result = Invoke-ChildPwsh $script @{ HTTP_PROXY = "$($Emulator.ProxyUri)"; NO_PROXY = '127.0.0.1' }

        $result.Status | Should -Be 'Completed'
        $result.Length | Should -BeGreaterThan 0
        Get-ProxyRequests $Emulator | Should -BeNullOrEmpty
        (Get-VeoEmulatorStats $Emulator).requests.'cdn-video' | Should -BeGreaterThan 0
    }

    It 'reads HTTP_PROXY itself at Connect-Veo, not through the runtime default proxy (as on Windows PowerShell 5.1)' {
        # .NET's own default proxy reads HTTP_PROXY once per process. The first call below runs without it, so that
        # default is settled as "no proxy"; the second session must still use the proxy set afterwards.
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$env:VEO_JOURNAL = '$(Join-Path $TestDrive 'late-journal.jsonl')'
`$key = ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey `$key -MaxRetryCount 0
`$first = New-VeoVideo -Prompt 'before HTTP_PROXY'
`$direct = @((Invoke-RestMethod -Uri '$($Emulator.ControlUri)/stats').proxyRequests).Count
`$env:http_proxy = '$($Emulator.ProxyUri)'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey `$key -MaxRetryCount 0
`$second = Get-VeoVideoStatus -Uuid `$first.Uuid
[pscustomobject]@{ Uuid = `$first.Uuid; DirectCount = `$direct } | ConvertTo-Json -Compress
"@
        $result = Invoke-ChildPwsh $script

        $result.DirectCount | Should -Be 0
        $proxied = @(Get-ProxyRequests $Emulator)
        @($proxied.url) | Should -Contain "$($Emulator.ApiUri)/video-status/$($result.Uuid)"
        @($proxied.url) | Should -Not -Contain "$($Emulator.ApiUri)/generate-video"
    }
}
