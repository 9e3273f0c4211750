# Dependency isolation: Veo31 works after another module loaded a different Polly or Azure.Core first.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
    $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
    $script:Azurite = Start-VeoAzurite
}

AfterAll {
    if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
    if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
}

Describe 'Dependency isolation' {
    It 'imports and generates after Polly.Core 8.1.0 was loaded first, using its own Polly from Dependencies/' {
        $otherPolly = Join-Path $RepoRoot '.tools/packages/polly.core/8.1.0/lib/netstandard2.0/Polly.Core.dll'
        Test-Path -LiteralPath $otherPolly | Should -BeTrue
        $journal = Join-Path $TestDrive 'journal.jsonl'
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -LiteralPath '$otherPolly'
Import-Module '$ModulePath'
`$env:VEO_JOURNAL = '$journal'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
`$video = New-VeoVideo -Prompt 'isolation check' | Wait-VeoVideo -PollIntervalSec 0.1
`$pollies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Polly.Core' }
[pscustomobject]@{ Status = "`$(`$video.Status)"; PollyLocations = @(`$pollies | ForEach-Object Location) } | ConvertTo-Json -Compress
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $result.Status | Should -Be 'Completed'
        $result.PollyLocations | Should -Contain $otherPolly
        @($result.PollyLocations | Where-Object { $_ -like (Join-Path $ModulePath 'Dependencies*') }).Count | Should -Be 1
    }

    It 'keeps a blob journal after Azure.Core 1.44.1 was loaded first (as Az.Accounts does), using its own from Dependencies/' {
        $otherAzureCore = Join-Path $RepoRoot '.tools/packages/azure.core/1.44.1/lib/netstandard2.0/Azure.Core.dll'
        Test-Path -LiteralPath $otherAzureCore | Should -BeTrue
        $journal = New-VeoAzuriteSasUrl -Azurite $Azurite -Path 'isolation/journal.jsonl'
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -LiteralPath '$otherAzureCore'
Import-Module '$ModulePath'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force) -JournalPath '$journal'
`$video = New-VeoVideo -Prompt 'isolation with a blob journal' | Wait-VeoVideo -PollIntervalSec 0.1
`$cores = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Core' }
[pscustomobject]@{ Status = "`$(`$video.Status)"; Journaled = @(Get-VeoVideo).Count; CoreLocations = @(`$cores | ForEach-Object Location) } | ConvertTo-Json -Compress
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $result.Status | Should -Be 'Completed'
        $result.Journaled | Should -Be 1
        $result.CoreLocations | Should -Contain $otherAzureCore
        @($result.CoreLocations | Where-Object { $_ -like (Join-Path $ModulePath 'Dependencies*') }).Count | Should -Be 1
    }

    It 'still resolves its dependencies after Import-Module -Force re-imports it' {
        $journal = Join-Path $TestDrive 'reimport.jsonl'
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath' -Force
Import-Module '$ModulePath' -Force
`$env:VEO_JOURNAL = '$journal'
Connect-Veo -BaseUri '$($Emulator.ApiUri)' -ApiKey (ConvertTo-SecureString '$($Emulator.ApiKey)' -AsPlainText -Force)
"`$((New-VeoVideo -Prompt 'after a forced re-import' | Wait-VeoVideo -PollIntervalSec 0.1).Status)"
"@
        $output = & (Get-DotnetPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Select-Object -Last 1 | Should -Be 'Completed'
    }
}
