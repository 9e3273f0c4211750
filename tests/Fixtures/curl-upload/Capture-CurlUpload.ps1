#Requires -Version 7.3
<#
.SYNOPSIS
    Records what `curl -F file=@<file>` sends for tests/Fixtures/sample.png under several names, into
    <case>.request.bin (the raw HTTP request: headers and body) beside this script. The upload tests
    (tests/Veo31.Core.Tests/UploadTests.cs, which repeat these names) compare the module's multipart bytes with these.
    Run on Linux or macOS (a name holds a quote and a line break).
#>
[CmdletBinding()]
param([string] $Curl = 'curl')

$ErrorActionPreference = 'Stop'
$cases = [ordered]@{
    'plain'     = 'sample.png'
    'non-ascii' = "f$([char]0xF8)to $([char]0xFC)ber $([char]0x65E5)$([char]0x672C).png"
    'escapes'   = "a `"quoted`" name`r`nwith a line break.png"
}
$source = Join-Path $PSScriptRoot '../sample.png'
$work = Join-Path ([IO.Path]::GetTempPath()) "curl-upload-$([guid]::NewGuid().ToString('n'))"
$null = New-Item -ItemType Directory -Path $work
try {
    foreach ($case in $cases.GetEnumerator()) {
        $file = Join-Path $work $case.Value
        Copy-Item -LiteralPath $source -Destination $file
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            # In curl's -F syntax a quoted file name takes backslash escapes.
            $quoted = '"' + ($file -replace '\\', '\\' -replace '"', '\"') + '"'
            $job = Start-ThreadJob -ScriptBlock {
                & $using:Curl -sS -H 'Expect:' -F "file=@$($using:quoted)" "http://127.0.0.1:$($using:port)/api/upload-video-image"
            }
            $client = $listener.AcceptTcpClient()
            $stream = $client.GetStream()
            $buffer = [IO.MemoryStream]::new()
            $chunk = [byte[]]::new(65536)
            while ($true) {
                $read = $stream.Read($chunk, 0, $chunk.Length)
                if ($read -le 0) { break }
                $buffer.Write($chunk, 0, $read)
                $text = [Text.Encoding]::Latin1.GetString($buffer.ToArray())
                $end = $text.IndexOf("`r`n`r`n")
                if ($end -ge 0 -and $text -match '(?im)^Content-Length:\s*(\d+)' -and $buffer.Length -ge $end + 4 + [int]$Matches[1]) { break }
            }
            $answer = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 200 OK`r`nContent-Type: application/json`r`nContent-Length: 2`r`nConnection: close`r`n`r`n{}")
            $stream.Write($answer, 0, $answer.Length)
            $client.Dispose()
            $null = Wait-Job $job -Timeout 10
            Remove-Job $job -Force
            [IO.File]::WriteAllBytes((Join-Path $PSScriptRoot "$($case.Key).request.bin"), $buffer.ToArray())
        } finally {
            $listener.Stop()
        }
    }
    & $Curl --version | Select-Object -First 1 | Set-Content -LiteralPath (Join-Path $PSScriptRoot 'curl-version.txt') -Encoding utf8NoBOM
} finally {
    Remove-Item -LiteralPath $work -Recurse -Force
}
