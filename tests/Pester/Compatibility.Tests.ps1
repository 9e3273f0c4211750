# Every assembly the module ships must load on Windows PowerShell 5.1 (.NET Framework 4.6.2+) and on
# PowerShell 7.2 (.NET 6): each reference is either shipped in out/Veo31 at that version or newer, or
# supplied by both runtimes. Read with System.Reflection.Metadata, without loading anything.
BeforeDiscovery {
    $moduleRoot = if ($env:VEO_TEST_MODULE_PATH) { $env:VEO_TEST_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/Veo31' }
    $script:AssemblyCases = @(Get-ChildItem -LiteralPath $moduleRoot -Filter '*.dll' -Recurse -File | ForEach-Object { @{ Path = $_.FullName; Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    function script:Read-AssemblyMetadata([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
            $reader = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $definition = $reader.GetAssemblyDefinition()
            [pscustomobject]@{
                Name       = $reader.GetString($definition.Name)
                Version    = $definition.Version
                References = @(foreach ($handle in $reader.AssemblyReferences) {
                    $reference = $reader.GetAssemblyReference($handle)
                    [pscustomobject]@{ Name = $reader.GetString($reference.Name); Version = $reference.Version }
                })
            }
        } finally { $stream.Dispose() }
    }

    # What .NET Framework 4.6.2+ supplies to a netstandard2.0 library (the netstandard 2.0 facade is in-box
    # from 4.7.1; Windows PowerShell 5.1 hosts in current support all run 4.7.2 or newer).
    $script:FrameworkAssemblies = @{
        'mscorlib' = [version]'4.0.0.0'; 'netstandard' = [version]'2.0.0.0'; 'System' = [version]'4.0.0.0'
        'System.Core' = [version]'4.0.0.0'; 'System.Numerics' = [version]'4.0.0.0'; 'System.Xml' = [version]'4.0.0.0'
        'System.Net.Http' = [version]'4.0.0.0'; 'System.Runtime.Serialization' = [version]'4.0.0.0'
        'System.ComponentModel.DataAnnotations' = [version]'4.0.0.0'; 'System.Management.Automation' = [version]'3.0.0.0'
    }
    # .NET 6 (PowerShell 7.2) supplies netstandard 2.1, the mscorlib facade, SMA 7.2 and System.* at 6.0 or older.
    function script:Test-Net6Supplies($Reference) {
        switch -Regex ($Reference.Name) {
            '^netstandard$' { return $Reference.Version -le [version]'2.1.0.0' }
            '^mscorlib$' { return $true }
            '^System\.Management\.Automation$' { return $Reference.Version -le [version]'7.2.0.0' }
            '^(System|Microsoft\.Win32)(\.|$)' { return $Reference.Version.Major -le 6 }
            default { return $false }
        }
    }

    $script:Shipped = @{}
    foreach ($file in Get-ChildItem -LiteralPath $ModulePath -Filter '*.dll' -Recurse -File) {
        $metadata = Read-AssemblyMetadata $file.FullName
        $script:Shipped[$metadata.Name] = $metadata.Version
    }
}

Describe 'Assemblies in out/Veo31' {
    It 'finds the module assembly and its dependencies' {
        $Shipped.Keys | Should -Contain 'Veo31.PowerShell'
        $Shipped.Keys | Should -Contain 'Veo31.Core'
        $Shipped.Keys | Should -Contain 'System.Text.Json'
        $Shipped['System.Text.Json'].Major | Should -Be 8 -Because 'a 10.x netstandard2.0 build drags support assemblies PowerShell 7.4 cannot load'
        $Shipped.Keys | Should -Not -Contain 'System.Management.Automation' -Because 'the host supplies it'
    }

    It '<Name> references only what Windows PowerShell 5.1 and PowerShell 7.2 can supply' -ForEach $AssemblyCases {
        $metadata = Read-AssemblyMetadata $Path
        $problems = foreach ($reference in $metadata.References) {
            if ($Shipped.ContainsKey($reference.Name) -and $Shipped[$reference.Name] -ge $reference.Version) { continue }
            $onFramework = $FrameworkAssemblies.ContainsKey($reference.Name) -and $reference.Version -le $FrameworkAssemblies[$reference.Name]
            $onNet6 = Test-Net6Supplies $reference
            if (-not $onFramework) { "$($reference.Name) $($reference.Version) is neither shipped nor in .NET Framework 4.6.2+" }
            if (-not $onNet6) { "$($reference.Name) $($reference.Version) is neither shipped nor in .NET 6" }
        }
        $problems | Should -BeNullOrEmpty
    }
}
