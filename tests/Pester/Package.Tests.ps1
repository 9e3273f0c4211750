# The module ships like a real PowerShell module: a manifest the Gallery and Azure Automation accept, a .nupkg
# that Install-PSResource installs from a folder repository, and a zip Azure Automation imports.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem

    $script:Version = ([xml](Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props'))).SelectSingleNode('//VeoModuleVersion').InnerText
    $script:Manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModulePath 'Veo31.psd1')
    $script:ExpectedCmdlets = 'Connect-Veo', 'Disconnect-Veo', 'Get-VeoSession', 'New-VeoVideo', 'Get-VeoVideoStatus',
        'Send-VeoImage', 'Wait-VeoVideo', 'Save-VeoVideo', 'Get-VeoVideo'

    # Runs a script in a fresh pwsh (pwsh here is `dotnet pwsh.dll`) and returns its last line parsed as JSON.
    function Invoke-FreshPwsh {
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $file = Join-Path $TestDrive ("fresh-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value $Script
        $saved = @{}
        foreach ($name in $Environment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $Environment[$name])
        }
        try {
            # From $TestDrive: PSResourceGet's NuGet layer may write a NuGet/NuGet.Config into the working directory.
            Push-Location -LiteralPath $TestDrive
            $lines = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1
            $exit = $LASTEXITCODE
        } finally {
            Pop-Location
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $text = ($lines | ForEach-Object { "$_" }) -join "`n"
        if ($exit -ne 0) { throw "The fresh pwsh exited with $exit`n$text" }
        $last = @($lines | ForEach-Object { "$_" } | Where-Object { $_.Trim() }) | Select-Object -Last 1
        try { $last | ConvertFrom-Json } catch { throw "The fresh pwsh did not end with JSON:`n$text" }
    }

    $script:PackageDir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'package')
    $script:Packaged = @(& (Join-Path $RepoRoot 'tools/New-Package.ps1') -ModulePath $ModulePath -OutputPath $PackageDir -Version $Version)
    $script:Nupkg = Join-Path $PackageDir "Veo31.$Version.nupkg"
    $script:Zip = Join-Path $PackageDir 'Veo31.zip'
}

Describe 'The module manifest' {
    It 'exports exactly the nine cmdlets, by name, and nothing else' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        @($Manifest.CmdletsToExport | Sort-Object) | Should -Be @($ExpectedCmdlets | Sort-Object)
        foreach ($key in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $Manifest.ContainsKey($key) | Should -BeTrue -Because "$key must be explicit"
            @($Manifest[$key]) -join ',' | Should -Not -Match '\*'
        }
        @((Get-Module Veo31).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($ExpectedCmdlets | Sort-Object)
    }

    It 'targets Windows PowerShell 5.1 and PowerShell 7 (Desktop and Core)' {
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $Manifest.CompatiblePSEditions | Should -Contain 'Desktop'
        $Manifest.CompatiblePSEditions | Should -Contain 'Core'
        $Manifest.RootModule | Should -Be 'Veo31.PowerShell.dll'
    }

    It 'carries the version from Directory.Build.props and the gallery metadata' {
        $Manifest.ModuleVersion | Should -Be $Version
        $Manifest.GUID | Should -Match '^[0-9a-f]{8}-'
        $Manifest.Author | Should -Not -BeNullOrEmpty
        $Manifest.Description | Should -Not -BeNullOrEmpty
        $psData = $Manifest.PrivateData.PSData
        @($psData.Tags).Count | Should -BeGreaterThan 2
        @($psData.Tags | Where-Object { $_ -match '\s' }).Count | Should -Be 0 -Because 'gallery tags have no spaces'
        [uri]$psData.ProjectUri | Should -Not -BeNullOrEmpty
        ([uri]$psData.ProjectUri).IsAbsoluteUri | Should -BeTrue
        ([uri]$psData.LicenseUri).IsAbsoluteUri | Should -BeTrue
        "$($psData.ReleaseNotes)".Trim() | Should -Not -BeNullOrEmpty
    }

    It 'passes Test-ModuleManifest' {
        $tested = Test-ModuleManifest -Path (Join-Path $ModulePath 'Veo31.psd1') -ErrorAction Stop
        $tested.Version | Should -Be ([version]$Version)
    }
}

Describe 'tools/New-Package.ps1' {
    It 'writes Veo31.<version>.nupkg and Veo31.zip' {
        Test-Path -LiteralPath $Nupkg | Should -BeTrue
        Test-Path -LiteralPath $Zip | Should -BeTrue
        @($Packaged.FullName) | Should -Contain (Get-Item -LiteralPath $Nupkg).FullName
    }

    It 'builds a nupkg whose nuspec names the module, its version and the PSModule and cmdlet tags' {
        $archive = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $names = @($archive.Entries.FullName)
            $names | Should -Contain 'Veo31.psd1'
            $names | Should -Contain 'Veo31.PowerShell.dll'
            $names | Should -Contain 'en-US/Veo31.PowerShell.dll-Help.xml'
            $names | Should -Contain 'Dependencies/Veo31.Core.dll'
            @($names | Where-Object { $_ -like '*.pdb' }).Count | Should -Be 0
            $nuspecEntry = $archive.Entries | Where-Object FullName -eq 'Veo31.nuspec'
            $nuspecEntry | Should -Not -BeNullOrEmpty
            $reader = [IO.StreamReader]::new($nuspecEntry.Open())
            try { $nuspec = [xml]$reader.ReadToEnd() } finally { $reader.Dispose() }
        } finally { $archive.Dispose() }
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'Veo31'
        $metadata.version | Should -Be $Version
        $tags = "$($metadata.tags)" -split '\s+'
        $tags | Should -Contain 'PSModule'
        foreach ($cmdlet in $ExpectedCmdlets) { $tags | Should -Contain "PSCmdlet_$cmdlet" }
    }

    It 'builds an Azure Automation zip: Veo31/ at the root, paths under 140 characters, under 100 MB' {
        (Get-Item -LiteralPath $Zip).Length | Should -BeLessThan 100MB
        $archive = [IO.Compression.ZipFile]::OpenRead($Zip)
        try {
            $names = @($archive.Entries.FullName)
            $uncompressed = ($archive.Entries | Measure-Object -Property Length -Sum).Sum
        } finally { $archive.Dispose() }
        $names.Count | Should -BeGreaterThan 5
        foreach ($name in $names) {
            $name | Should -BeLike 'Veo31/*'
            $name | Should -Not -Match '\\' -Because 'zip paths use forward slashes'
            $name.Length | Should -BeLessThan 140
        }
        $uncompressed | Should -BeLessThan 100MB
        foreach ($required in 'Veo31/Veo31.psd1', 'Veo31/Veo31.PowerShell.dll', 'Veo31/en-US/Veo31.PowerShell.dll-Help.xml',
            'Veo31/en-US/about_Veo31.help.txt', 'Veo31/Dependencies/Veo31.Core.dll') {
            $names | Should -Contain $required
        }
        # Every file of the built module is in the zip (debug symbols aside).
        $moduleRoot = (Resolve-Path -LiteralPath $ModulePath).Path
        $built = @(Get-ChildItem -LiteralPath $moduleRoot -Recurse -File | Where-Object Extension -ne '.pdb' |
            ForEach-Object { 'Veo31/' + [IO.Path]::GetRelativePath($moduleRoot, $_.FullName).Replace('\', '/') })
        @($names | Sort-Object) | Should -Be @($built | Sort-Object)
    }

    It 'builds a zip whose module imports from where it was extracted, in a fresh pwsh' {
        $extracted = Join-Path $TestDrive 'extracted'
        [IO.Compression.ZipFile]::ExtractToDirectory($Zip, $extracted)
        $result = Invoke-FreshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $extracted 'Veo31')'
`$module = Get-Module Veo31
[pscustomobject]@{ Version = "`$(`$module.Version)"; Cmdlets = @(`$module.ExportedCmdlets.Keys | Sort-Object); Synopsis = (Get-Help Save-VeoVideo).Synopsis } | ConvertTo-Json -Compress
"@
        $result.Version | Should -Be $Version
        @($result.Cmdlets) | Should -Be @($ExpectedCmdlets | Sort-Object)
        $result.Synopsis | Should -Not -BeLike 'Save-VeoVideo *' -Because 'the help file travels in the zip'
    }
}

Describe 'Install-PSResource from a local folder repository' {
    BeforeAll {
        $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    }
    AfterAll {
        if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    }

    It 'installs the nupkg and runs a generation with the installed module in a fresh pwsh' {
        $feed = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'feed')
        Copy-Item -LiteralPath $Nupkg -Destination $feed
        $home_ = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'home')
        $videos = Join-Path $TestDrive 'installed-videos'
        $repository = "Veo31Test$([guid]::NewGuid().ToString('n').Substring(0, 8))"

        # PSResourceGet keeps its repository list under LocalApplicationData and installs CurrentUser modules
        # under ~/.local/share/powershell/Modules on Linux and macOS: with HOME pointing at a throwaway folder,
        # the whole install happens in a fresh profile and the user's own settings are never touched.
        # On Windows (no HOME redirection there) Save-PSResource -Path does the same job.
        $installScript = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name '$repository' -Uri '$($feed.FullName)' -Trusted
try {
    `$found = Find-PSResource -Name Veo31 -Repository '$repository'
    if (-not `$IsWindows) {
        Install-PSResource -Name Veo31 -Version '$Version' -Repository '$repository' -Scope CurrentUser -TrustRepository -Quiet
        `$installed = Get-InstalledPSResource -Name Veo31 -Scope CurrentUser
        `$base = Join-Path `$installed.InstalledLocation 'Veo31'
    } else {
        Save-PSResource -Name Veo31 -Version '$Version' -Repository '$repository' -Path '$($home_.FullName)' -TrustRepository -Quiet
        `$base = Join-Path '$($home_.FullName)' 'Veo31'
    }
} finally { Unregister-PSResourceRepository -Name '$repository' }
[pscustomobject]@{ ModuleBase = (Join-Path `$base '$Version'); Cmdlets = @(`$found.Includes.Cmdlet | Sort-Object) } | ConvertTo-Json -Compress
"@
        $environment = @{ HOME = $home_.FullName; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null }
        $installed = Invoke-FreshPwsh -Script $installScript -Environment $environment
        Test-Path -LiteralPath (Join-Path $installed.ModuleBase 'Veo31.psd1') | Should -BeTrue
        $installed.ModuleBase | Should -BeLike "$($home_.FullName)*"
        @($installed.Cmdlets) | Should -Be @($ExpectedCmdlets | Sort-Object) -Because 'Find-PSResource reads the cmdlet list from the package'

        $runScript = @"
`$ErrorActionPreference = 'Stop'
$(if (-not $IsWindows) { "Import-Module Veo31   # by name: found in the CurrentUser module path of the throwaway profile" } else { "Import-Module '$($installed.ModuleBase)'" })
`$module = Get-Module Veo31
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
`$file = New-VeoVideo -Prompt 'installed from a nupkg' | Wait-VeoVideo -PollIntervalSec 0.2 | Save-VeoVideo -Destination '$videos'
[pscustomobject]@{ ModuleBase = `$module.ModuleBase; Version = "`$(`$module.Version)"; File = `$file.FullName; Length = `$file.Length } | ConvertTo-Json -Compress
"@
        $environment.VEO_JOURNAL = Join-Path $TestDrive 'installed-journal.jsonl'
        $result = Invoke-FreshPwsh -Script $runScript -Environment $environment
        $result.ModuleBase | Should -Be $installed.ModuleBase
        $result.Version | Should -Be $Version
        $result.Length | Should -BeGreaterThan 0
        Test-Path -LiteralPath $result.File | Should -BeTrue
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($result.File), 4, 4) | Should -Be 'ftyp'
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.generations | Should -Be 1
        # The throwaway profile kept the registration away from the user's own PSResourceGet settings.
        @(Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
}
