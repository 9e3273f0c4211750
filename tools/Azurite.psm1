# Installs (npm ci, pinned in tools/azurite), starts and stops Azurite, Microsoft's Azure Storage emulator, for the
# blob journal tests: blob service only, on a free port of 127.0.0.1, in memory, telemetry off.
Set-StrictMode -Version Latest

$script:AzuriteDir = Join-Path $PSScriptRoot 'azurite'
# Azurite's well-known development account (public, documented by Microsoft; not a secret).
$script:AccountName = 'devstoreaccount1'
$script:AccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

function Get-AzuriteMain { Join-Path $script:AzuriteDir 'node_modules/azurite/dist/src/blob/main.js' }

function Install-VeoAzurite {
    <# .SYNOPSIS npm ci in tools/azurite unless the pinned version is already there. #>
    $pinned = (Get-Content -Raw -LiteralPath (Join-Path $script:AzuriteDir 'package.json') | ConvertFrom-Json).dependencies.azurite
    $installed = Join-Path $script:AzuriteDir 'node_modules/azurite/package.json'
    if ((Test-Path -LiteralPath $installed) -and (Get-Content -Raw -LiteralPath $installed | ConvertFrom-Json).version -eq $pinned) { return }
    if (-not (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)) {
        throw 'npm (Node.js) is needed to install Azurite for the blob journal tests.'
    }
    Write-Host "Installing Azurite $pinned (npm ci in tools/azurite)..."
    Push-Location -LiteralPath $script:AzuriteDir
    try {
        & npm ci --no-audit --no-fund --loglevel error | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "npm ci in tools/azurite failed with exit code $LASTEXITCODE." }
    } finally { Pop-Location }
}

function Get-FreeLoopbackPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-VeoAzurite {
    <#
    .SYNOPSIS Starts Azurite's blob service and returns its endpoint, connection string and process.
    .PARAMETER CertificatePath  A PEM certificate (with -KeyPath): serve https and accept OAuth tokens (--oauth basic).
    #>
    [CmdletBinding()]
    param([string] $CertificatePath, [string] $KeyPath, [int] $StartTimeoutSec = 60,
        # Another account than the well-known development one (a canary key for the leak tests).
        [string] $AccountName = $script:AccountName, [string] $AccountKey = $script:AccountKey)

    Install-VeoAzurite
    $node = (Get-Command node -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    for ($try = 1; ; $try++) {
        $port = Get-FreeLoopbackPort
        $workDir = Join-Path ([IO.Path]::GetTempPath()) "veo31-azurite-$([guid]::NewGuid().ToString('n'))"
        $null = New-Item -ItemType Directory -Path $workDir
        $stdout = Join-Path $workDir 'stdout.txt'
        $stderr = Join-Path $workDir 'stderr.txt'
        $arguments = @((Get-AzuriteMain), '--blobHost', '127.0.0.1', '--blobPort', $port,
            '--inMemoryPersistence', '--extentMemoryLimit', '256', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent')
        $scheme = 'http'
        if ($CertificatePath) {
            $arguments += '--cert', $CertificatePath, '--key', $KeyPath, '--oauth', 'basic'
            $scheme = 'https'
        }
        $savedAccounts = $env:AZURITE_ACCOUNTS
        if ($AccountName -ne $script:AccountName) { $env:AZURITE_ACCOUNTS = "${AccountName}:$AccountKey" }
        try {
            $process = Start-Process -FilePath $node -ArgumentList $arguments -PassThru -NoNewWindow `
                -RedirectStandardOutput $stdout -RedirectStandardError $stderr -WorkingDirectory $workDir
        } finally { $env:AZURITE_ACCOUNTS = $savedAccounts }
        if ($env:VEO_EMULATOR_PID_FILE) { Add-Content -LiteralPath $env:VEO_EMULATOR_PID_FILE -Value $process.Id }

        $deadline = [DateTime]::UtcNow.AddSeconds($StartTimeoutSec)
        $listening = $false
        while (-not $listening -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 100
            $listening = [bool](Select-String -LiteralPath $stdout -Pattern 'successfully listens' -Quiet -ErrorAction SilentlyContinue)
        }
        if ($listening) { break }
        $errorText = Get-Content -Raw -LiteralPath $stderr -ErrorAction SilentlyContinue
        if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue }
        Remove-Item -LiteralPath $workDir -Recurse -Force -ErrorAction SilentlyContinue
        # The port may have been taken between choosing it and Azurite binding it: try another.
        if ($try -ge 3) { throw "Azurite did not start: $errorText" }
    }

    $endpoint = "${scheme}://127.0.0.1:$port/$AccountName"
    [pscustomobject]@{
        PSTypeName       = 'Veo31.Test.Azurite'
        Process          = $process
        BlobEndpoint     = [uri]$endpoint
        AccountName      = $AccountName
        AccountKey       = $AccountKey
        ConnectionString = "DefaultEndpointsProtocol=$scheme;AccountName=$AccountName;AccountKey=$AccountKey;BlobEndpoint=$endpoint;"
        WorkDir          = $workDir
    }
}

function Stop-VeoAzurite {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Azurite)
    process {
        if (-not $Azurite.Process.HasExited) {
            $Azurite.Process.Kill($true)
            $null = $Azurite.Process.WaitForExit(10000)
        }
        Remove-Item -LiteralPath $Azurite.WorkDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function New-VeoAzuriteSasUrl {
    <#
    .SYNOPSIS An account SAS (blob service; read, add, create, write, delete, list) appended to a blob or container URL.
    #>
    param([Parameter(Mandatory)] $Azurite, [Parameter(Mandatory)] [string] $Path, [string] $Permissions = 'racwdl')
    $version = '2019-12-12'
    $expiry = [DateTime]::UtcNow.AddHours(2).ToString('yyyy-MM-ddTHH:mm:ssZ')
    $protocol = 'https,http'
    $stringToSign = ($Azurite.AccountName, $Permissions, 'b', 'sco', '', $expiry, '', $protocol, $version, '') -join "`n"
    $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($Azurite.AccountKey))
    try { $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($stringToSign))) } finally { $hmac.Dispose() }
    $query = "sv=$version&ss=b&srt=sco&sp=$Permissions&se=$([uri]::EscapeDataString($expiry))&spr=$([uri]::EscapeDataString($protocol))&sig=$([uri]::EscapeDataString($signature))"
    "$($Azurite.BlobEndpoint)/$($Path.TrimStart('/'))?$query"
}

function Invoke-VeoAzuriteRequest {
    <# .SYNOPSIS One signed-by-SAS REST call to Azurite from a test (reading a blob, its properties, its lease). #>
    param([Parameter(Mandatory)] $Azurite, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'GET', [hashtable] $Headers = @{})
    $all = @{ 'x-ms-version' = '2019-12-12' } + $Headers
    Invoke-WebRequest -Method $Method -Uri (New-VeoAzuriteSasUrl -Azurite $Azurite -Path $Path) -Headers $all -SkipHttpErrorCheck -NoProxy
}

function New-VeoAzuriteCertificate {
    <#
    .SYNOPSIS A throw-away self-signed certificate for 127.0.0.1 (cert.pem, key.pem in -Path) for Start-VeoAzurite over https.
    .DESCRIPTION A process trusts it on Linux when started with SSL_CERT_FILE set to the returned CertificatePath.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $null = New-Item -ItemType Directory -Path $Path -Force
    $key = [Security.Cryptography.RSA]::Create(2048)
    try {
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=127.0.0.1', $key, 'SHA256', [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddIpAddress([Net.IPAddress]::Loopback)
        $request.CertificateExtensions.Add($names.Build())
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(2))
        $result = [pscustomobject]@{ CertificatePath = Join-Path $Path 'cert.pem'; KeyPath = Join-Path $Path 'key.pem' }
        Set-Content -LiteralPath $result.CertificatePath -Value $certificate.ExportCertificatePem()
        Set-Content -LiteralPath $result.KeyPath -Value $key.ExportPkcs8PrivateKeyPem()
        $result
    } finally { $key.Dispose() }
}

function New-VeoAzuriteAccessToken {
    <#
    .SYNOPSIS An unsigned storage access token of the shape Azurite's '--oauth basic' accepts (audience, issuer, times).
    #>
    param([int] $ValidSeconds = 3600, [string] $Audience = 'https://storage.azure.com')
    $tenant = 'ab1f708d-50f6-404c-a006-d71b2ac7a606'
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $claims = [ordered]@{ aud = $Audience; iss = "https://sts.windows.net/$tenant/"; iat = $now - 60; nbf = $now - 60; exp = $now + $ValidSeconds
        oid = [guid]::NewGuid().ToString(); tid = $tenant }
    $encode = { param($text) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    (& $encode '{"alg":"RS256","typ":"JWT"}') + '.' + (& $encode ($claims | ConvertTo-Json -Compress)) + '.' + (& $encode ([guid]::NewGuid().ToString('n')))
}

Export-ModuleMember -Function Install-VeoAzurite, Start-VeoAzurite, Stop-VeoAzurite, New-VeoAzuriteSasUrl, Invoke-VeoAzuriteRequest, New-VeoAzuriteCertificate, New-VeoAzuriteAccessToken
