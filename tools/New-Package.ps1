#Requires -Version 7.2
<#
.SYNOPSIS
    Packages the built module: a .nupkg for Install-PSResource and a zip for Azure Automation.
.DESCRIPTION
    - <OutputPath>/Veo31.<Version>.nupkg: made by Publish-PSResource (Microsoft.PowerShell.PSResourceGet,
      bundled with PowerShell 7.4+) into a temporary local folder repository, so the package has exactly
      the layout and tags (PSModule, PSCmdlet_*, PSIncludes_Cmdlet) that Install-PSResource expects. Works
      offline: a file repository needs no network and the module has no RequiredModules. Publishing runs
      in a child pwsh (with a throwaway HOME on Linux and macOS), so neither this session nor the user's
      PSResourceGet settings are touched.
    - <OutputPath>/Veo31.zip: the module folder Veo31/ at the zip root, which is what Azure Automation's
      "Import module" (and New-AzAutomationModule) expects. Every path inside is checked to stay under 140
      characters and the zip under 100 MB (Azure Automation's limits).
.PARAMETER ModulePath
    The importable module folder (out/Veo31): Veo31.psd1 at its root.
.PARAMETER OutputPath
    Where the .nupkg and the zip are written (created when missing).
.PARAMETER Version
    The module version; must equal the manifest's ModuleVersion (build.ps1 stamps it from Directory.Build.props).
.EXAMPLE
    ./tools/New-Package.ps1 -ModulePath out/Veo31 -OutputPath out -Version 0.1.0
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [Parameter(Mandatory)] [string] $Version
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$MaxZipBytes = 100MB
$MaxPathLength = 140

$module = (Resolve-Path -LiteralPath $ModulePath).Path.TrimEnd('/', '\')
$moduleName = Split-Path -Leaf $module
$manifestPath = Join-Path $module "$moduleName.psd1"
if (-not (Test-Path -LiteralPath $manifestPath)) { throw "No module manifest at $manifestPath; build first (./build.ps1 -Task Build)." }
$manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
if ($manifest.ModuleVersion -ne $Version) {
    throw "The manifest says version $($manifest.ModuleVersion) but -Version is $Version."
}
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$output = (Resolve-Path -LiteralPath $OutputPath).Path

Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem

function Add-CommandTag {
    <#
        Publish-PSResource tags the package PSModule only. The PowerShell Gallery (and PowerShellGet 2) add
        PSIncludes_Cmdlet, PSCmdlet_<name> and PSCommand_<name> for every exported cmdlet, which is what
        Find-PSResource -Command and -Type Cmdlet search; add them to the nuspec so a folder feed answers too.
    #>
    param([string] $Nupkg, [string] $NuspecName, [string[]] $Cmdlets)
    $archive = [IO.Compression.ZipFile]::Open($Nupkg, [IO.Compression.ZipArchiveMode]::Update)
    try {
        $entry = $archive.GetEntry($NuspecName)
        if (-not $entry) { throw "$Nupkg holds no $NuspecName." }
        $reader = [IO.StreamReader]::new($entry.Open())
        try { $nuspec = [xml]$reader.ReadToEnd() } finally { $reader.Dispose() }
        $metadata = $nuspec.package.metadata
        $tagsNode = $metadata.SelectSingleNode('*[local-name()="tags"]')
        if (-not $tagsNode) {
            $tagsNode = $nuspec.CreateElement('tags', $nuspec.package.NamespaceURI)
            $null = $metadata.AppendChild($tagsNode)
        }
        $tags = [Collections.Generic.List[string]]::new()
        foreach ($tag in @($tagsNode.InnerText -split '\s+') + @('PSModule', 'PSIncludes_Cmdlet')) { if ($tag -and -not $tags.Contains($tag)) { $tags.Add($tag) } }
        foreach ($cmdlet in $Cmdlets) {
            foreach ($tag in "PSCmdlet_$cmdlet", "PSCommand_$cmdlet") { if (-not $tags.Contains($tag)) { $tags.Add($tag) } }
        }
        $tagsNode.InnerText = $tags -join ' '
        $entry.Delete()
        $entry = $archive.CreateEntry($NuspecName, [IO.Compression.CompressionLevel]::Optimal)
        $writer = [IO.StreamWriter]::new($entry.Open(), [Text.UTF8Encoding]::new($false))
        try { $nuspec.Save($writer) } finally { $writer.Dispose() }
    } finally { $archive.Dispose() }
}

# --- the .nupkg, through PSResourceGet and a throwaway file repository -------------------------------
# Publish-PSResource loads the module's assembly to read it. That happens in a child pwsh, so this process
# never holds a copy of Veo31.PowerShell.dll loaded from the staging folder (which is deleted afterwards and
# would shadow out/Veo31 in a session that imports the module later). On Linux and macOS the child also gets
# a throwaway HOME, so the temporary repository never appears in the user's PSResourceGet settings.
$repoName = "Veo31Package-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
$repoDir = Join-Path ([IO.Path]::GetTempPath()) $repoName
$null = New-Item -ItemType Directory -Path $repoDir
$nupkgName = "$moduleName.$Version.nupkg"
$savedEnvironment = @{}
try {
    # A copy under the module's own name keeps the build folder untouched and leaves the *.pdb files out.
    $staging = Join-Path $repoDir "staging/$moduleName"
    $feed = New-Item -ItemType Directory -Path (Join-Path $repoDir 'feed')
    $null = New-Item -ItemType Directory -Path $staging -Force
    Copy-Item -Path (Join-Path $module '*') -Destination $staging -Recurse
    Get-ChildItem -LiteralPath $staging -Recurse -File -Filter '*.pdb' | Remove-Item -Force

    $publish = Join-Path $repoDir 'publish.ps1'
    Set-Content -LiteralPath $publish -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
Register-PSResourceRepository -Name '$repoName' -Uri '$($feed.FullName)' -Trusted
try { Publish-PSResource -Path '$staging' -Repository '$repoName' }
finally { Unregister-PSResourceRepository -Name '$repoName' -ErrorAction SilentlyContinue }
"@
    if (-not $IsWindows) {
        $childHome = New-Item -ItemType Directory -Path (Join-Path $repoDir 'home')
        foreach ($name in 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') { $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
        $env:HOME = $childHome.FullName
        foreach ($name in 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') { [Environment]::SetEnvironmentVariable($name, $null) }
    }
    # pwsh may run as its own executable or as `dotnet pwsh.dll` (the .NET local tool).
    $pwsh = [Environment]::ProcessPath
    $pwshArguments = @('-NoProfile', '-NonInteractive', '-File', $publish)
    if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $pwshArguments = @((Join-Path $PSHOME 'pwsh.dll')) + $pwshArguments }
    # Run from the throwaway folder: PSResourceGet's NuGet layer may write a NuGet/NuGet.Config into the working directory.
    Push-Location -LiteralPath $repoDir
    try { $log = & $pwsh @pwshArguments 2>&1 } finally { Pop-Location }
    if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource failed (exit code $LASTEXITCODE):`n$($log -join "`n")" }
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    $savedEnvironment.Clear()

    $built = Join-Path $feed.FullName $nupkgName
    if (-not (Test-Path -LiteralPath $built)) {
        $found = @(Get-ChildItem -LiteralPath $feed.FullName -Filter '*.nupkg' -File)
        if ($found.Count -ne 1) { throw "Publish-PSResource did not produce $nupkgName.`n$($log -join "`n")" }
        $built = $found[0].FullName
    }
    $nupkg = Join-Path $output $nupkgName
    Copy-Item -LiteralPath $built -Destination $nupkg -Force
    Add-CommandTag -Nupkg $nupkg -NuspecName "$moduleName.nuspec" -Cmdlets @($manifest.CmdletsToExport)
} finally {
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    Remove-Item -LiteralPath $repoDir -Recurse -Force -ErrorAction SilentlyContinue
}

# --- the Azure Automation zip: Veo31/ at the root ----------------------------------------------------
$zipPath = Join-Path $output "$moduleName.zip"
if (Test-Path -LiteralPath $zipPath) { Remove-Item -LiteralPath $zipPath -Force }
$files = @(Get-ChildItem -LiteralPath $module -Recurse -File | Where-Object Extension -ne '.pdb' | Sort-Object FullName)
$stream = [IO.File]::Open($zipPath, [IO.FileMode]::CreateNew)
try {
    $zip = [IO.Compression.ZipArchive]::new($stream, [IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($file in $files) {
            # Forward slashes whatever the OS: Azure Automation and every unzip tool read them.
            $relative = [IO.Path]::GetRelativePath($module, $file.FullName).Replace('\', '/')
            $entryName = "$moduleName/$relative"
            if ($entryName.Length -ge $MaxPathLength) { throw "The zip path '$entryName' is $($entryName.Length) characters; Azure Automation needs under $MaxPathLength." }
            $entry = $zip.CreateEntry($entryName, [IO.Compression.CompressionLevel]::Optimal)
            $entry.LastWriteTime = $file.LastWriteTime
            $target = $entry.Open()
            try {
                $source = [IO.File]::OpenRead($file.FullName)
                try { $source.CopyTo($target) } finally { $source.Dispose() }
            } finally { $target.Dispose() }
        }
    } finally { $zip.Dispose() }
} finally { $stream.Dispose() }
$zipSize = (Get-Item -LiteralPath $zipPath).Length
if ($zipSize -ge $MaxZipBytes) { throw "$zipPath is $zipSize bytes; Azure Automation takes modules under 100 MB." }

Get-Item -LiteralPath (Join-Path $output $nupkgName), $zipPath
