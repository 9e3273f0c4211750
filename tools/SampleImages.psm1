# Writes small real PNG images (used by the demo and the tests; no image tools needed).
Set-StrictMode -Version Latest

# PowerShell reads 0xEDB88320 as a negative Int32, hence the L suffixes and [long] arithmetic.
$script:CrcTable = [long[]]::new(256)
for ($n = 0; $n -lt 256; $n++) {
    [long]$c = $n
    for ($k = 0; $k -lt 8; $k++) {
        if ($c -band 1) { $c = 0xEDB88320L -bxor ($c -shr 1) } else { $c = $c -shr 1 }
    }
    $script:CrcTable[$n] = $c
}

function Get-Crc32([byte[]]$Bytes) {
    [long]$crc = 0xFFFFFFFFL
    foreach ($b in $Bytes) { $crc = $script:CrcTable[($crc -bxor $b) -band 0xFF] -bxor ($crc -shr 8) }
    return [uint32]($crc -bxor 0xFFFFFFFFL)
}

function Write-PngChunk([System.IO.Stream]$Stream, [string]$Type, [byte[]]$Data) {
    $length = [BitConverter]::GetBytes([uint32]$Data.Length); [Array]::Reverse($length)
    $typeAndData = [Text.Encoding]::ASCII.GetBytes($Type) + $Data
    $crc = [BitConverter]::GetBytes((Get-Crc32 $typeAndData)); [Array]::Reverse($crc)
    $Stream.Write($length, 0, 4); $Stream.Write($typeAndData, 0, $typeAndData.Length); $Stream.Write($crc, 0, 4)
}

function New-VeoSamplePng {
    <# .SYNOPSIS Writes a gradient PNG of the given size and hue. #>
    param([Parameter(Mandatory)][string]$Path, [int]$Width = 160, [int]$Height = 90, [int]$Hue = 0)
    $raw = [System.IO.MemoryStream]::new()
    for ($y = 0; $y -lt $Height; $y++) {
        $raw.WriteByte(0)
        for ($x = 0; $x -lt $Width; $x++) {
            $raw.WriteByte([byte](([int][Math]::Floor($x * 255 / [Math]::Max(1, $Width - 1)) + $Hue) % 256))
            $raw.WriteByte([byte]([int][Math]::Floor($y * 255 / [Math]::Max(1, $Height - 1)) % 256))
            $raw.WriteByte([byte]((128 + $Hue) % 256))
        }
    }
    $compressed = [System.IO.MemoryStream]::new()
    $zlib = [System.IO.Compression.ZLibStream]::new($compressed, [System.IO.Compression.CompressionLevel]::Optimal, $true)
    $zlib.Write($raw.ToArray(), 0, [int]$raw.Length); $zlib.Dispose()
    $header = [BitConverter]::GetBytes([uint32]$Width); [Array]::Reverse($header)
    $h = [BitConverter]::GetBytes([uint32]$Height); [Array]::Reverse($h)
    $ihdr = $header + $h + [byte[]](8, 2, 0, 0, 0)
    $full = [System.IO.Path]::GetFullPath($Path)
    $file = [System.IO.File]::Create($full)
    try {
        $signature = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        $file.Write($signature, 0, 8)
        Write-PngChunk $file 'IHDR' $ihdr
        Write-PngChunk $file 'IDAT' $compressed.ToArray()
        Write-PngChunk $file 'IEND' ([byte[]]@())
    } finally { $file.Dispose() }
    Get-Item -LiteralPath $full
}

Export-ModuleMember -Function New-VeoSamplePng
