# Get-Help works for every cmdlet of the built module (MAML built from docs/cmdlets by tools/New-MamlHelp.ps1),
# the docs match the cmdlets' real parameters, and every documented example runs against the emulator.
BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $modulePath = if ($env:VEO_TEST_MODULE_PATH) { $env:VEO_TEST_MODULE_PATH } else { Join-Path $repoRoot 'out/Veo31' }
    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $modulePath 'Veo31.psd1')
    $script:CmdletCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })

    # Examples straight from the markdown: '### Example N: title' followed by a ```powershell fence.
    $script:ExampleCases = foreach ($page in Get-ChildItem -Path (Join-Path $repoRoot 'docs/cmdlets') -Filter '*-*.md' -File | Sort-Object Name) {
        $lines = Get-Content -LiteralPath $page.FullName
        $inExamples = $false; $title = $null; $code = $null
        foreach ($line in $lines) {
            if ($null -ne $code) {
                if ($line -match '^```\s*$') { @{ Page = $page.BaseName; Title = $title; Code = ($code -join "`n") }; $code = $null; $title = $null }
                else { $code.Add($line) }
                continue
            }
            if ($line -match '^## ') { $inExamples = $line -match '^## EXAMPLES\s*$'; continue }
            if ($inExamples -and $line -match '^### (.+)$') { $title = $Matches[1]; continue }
            if ($inExamples -and $title -and $line -match '^```powershell\s*$') { $code = [System.Collections.Generic.List[string]]::new() }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $script:Pages = @{}
    foreach ($page in Get-ChildItem -Path (Join-Path $RepoRoot 'docs/cmdlets') -Filter '*-*.md' -File) { $script:Pages[$page.BaseName] = Get-Content -Raw -LiteralPath $page.FullName }
}

Describe 'Get-Help <Name> -Full' -ForEach $CmdletCases {
    BeforeAll {
        $script:Command = Get-Command -Name $Name -Module Veo31
        $script:Help = Get-Help -Name $Name -Full
        $script:Documented = @{}
        foreach ($p in @($Help.parameters.parameter)) { if ($p) { $script:Documented[$p.name] = $p } }
        $script:Own = @($Command.Parameters.Values | Where-Object { $CommonParameters -notcontains $_.Name })
    }

    It 'comes from the MAML file, with a synopsis and a description' {
        Split-Path -Leaf $Command.HelpFile | Should -Be 'Veo31.PowerShell.dll-Help.xml'
        Test-Path -LiteralPath (Join-Path $Command.Module.ModuleBase 'en-US/Veo31.PowerShell.dll-Help.xml') | Should -BeTrue
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file PowerShell makes the synopsis from the syntax, which starts with the name.
        $Help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $Help.Synopsis.Trim().Length | Should -BeGreaterThan 20
        ($Help.description.Text -join ' ').Trim().Length | Should -BeGreaterThan 40
    }

    It 'describes every parameter of the cmdlet, -Session included' {
        if ($Name -ne 'Get-VeoSession') { $Own.Count | Should -BeGreaterThan 0 }
        foreach ($parameter in $Own) {
            $Documented.ContainsKey($parameter.Name) | Should -BeTrue -Because "-$($parameter.Name) of $Name must be in docs/cmdlets/$Name.md"
            $text = ($Documented[$parameter.Name].description.Text -join ' ').Trim()
            $text.Length | Should -BeGreaterThan 10 -Because "-$($parameter.Name) of $Name needs a description"
        }
        # Every cmdlet that talks to the API (all but Connect-Veo and Get-VeoSession) takes -Session.
        if ($Name -notin 'Connect-Veo', 'Get-VeoSession') { $Documented.Keys | Should -Contain 'Session' }
    }

    It 'documents no parameter the cmdlet does not have, with the real type, mandatory flag and pipeline binding' {
        foreach ($doc in $Documented.Values) {
            $Command.Parameters.ContainsKey($doc.name) | Should -BeTrue -Because "$Name documents -$($doc.name)"
            $real = $Command.Parameters[$doc.name]
            $realType = $real.ParameterType
            $docType = "$($doc.type.name)"
            ($docType -eq $realType.Name -or $docType -eq $realType.FullName) | Should -BeTrue -Because "-$($doc.name) of $Name is a $($realType.Name), documented as $docType"
            $mandatory = @($real.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory }).Count -gt 0
            ($doc.required -eq 'true') | Should -Be $mandatory -Because "-$($doc.name) of $Name Required"
            $byValue = @($real.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipeline }).Count -gt 0
            $byName = @($real.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipelineByPropertyName }).Count -gt 0
            ("$($doc.pipelineInput)" -match 'ByValue') | Should -Be $byValue -Because "-$($doc.name) of $Name pipeline input by value"
            ("$($doc.pipelineInput)" -match 'ByPropertyName') | Should -Be $byName -Because "-$($doc.name) of $Name pipeline input by property name"
            $aliases = @($real.Aliases | Sort-Object)
            $docAliases = @("$($doc.aliases)" -split '\s*,\s*' | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
            ($docAliases -join ',') | Should -Be ($aliases -join ',') -Because "-$($doc.name) of $Name aliases"
        }
    }

    It 'has a SYNTAX section in docs/cmdlets naming exactly the parameters of the cmdlet' {
        $syntax = [regex]::Match($Pages[$Name], '(?s)## SYNTAX(.*?)\n## ').Groups[1].Value
        $syntax | Should -Not -BeNullOrEmpty
        $named = @([regex]::Matches($syntax, '(?<=[\s\[])-([A-Za-z]+)\b') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
        $expected = @($Command.Parameters.Keys | Where-Object { [System.Management.Automation.PSCmdlet]::CommonParameters -notcontains $_ } | Sort-Object -Unique)
        ($named -join ',') | Should -Be ($expected -join ',')
        $sets = @($Command.ParameterSets.Name | Where-Object { $_ -ne '__AllParameterSets' })
        foreach ($set in $sets) { $syntax | Should -Match "### $([regex]::Escape($set))" -Because "parameter set $set of $Name" }
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'has a syntax, inputs, outputs and related links' {
        @($Help.syntax.syntaxItem).Count | Should -BeGreaterThan 0
        @($Help.syntax.syntaxItem)[0].name | Should -Be $Name
        @($Help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        @($Help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 0
        $Pages[$Name] | Should -Match '## INPUTS'
    }

    It 'renders as text with the synopsis, the parameters and the examples' {
        $text = Get-Help -Name $Name -Full | Out-String -Width 200
        $text | Should -Match ([regex]::Escape($Help.Synopsis.Trim().Substring(0, 20)))
        foreach ($parameter in $Own) { $text | Should -Match "-$($parameter.Name)\b" }
        $text | Should -Match 'Example 2'
    }
}

Describe 'Polling, not webhooks, is what the help says' {
    It 'Wait-VeoVideo says completion is found by polling because the provider documents no webhook' {
        $text = Get-Help Wait-VeoVideo -Full | Out-String -Width 200
        $text | Should -Match 'poll'
        $text | Should -Match 'webhook'
    }
}

Describe 'about_Veo31' {
    BeforeAll {
        $script:About = Get-Help about_Veo31 | Out-String -Width 200
    }

    It 'is found by Get-Help and ships in en-US' {
        Test-Path -LiteralPath (Join-Path $ModulePath 'en-US/about_Veo31.help.txt') | Should -BeTrue
        $About | Should -Match 'about_Veo31'
        $About | Should -Match 'SHORT DESCRIPTION'
    }

    It 'covers connecting, the environment variables, retries, the journal and the emulator' {
        foreach ($word in 'Connect-Veo', '-Credential', 'VEO_API_KEY', 'VEO_BASE_URI', 'VEO_JOURNAL', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
            'Retry-After', 'idempotency', 'Get-VeoVideo -Pending', 'emulator', 'webhook', 'polling') {
            $About | Should -Match ([regex]::Escape($word))
        }
    }

    It 'lists exactly the error table''s ids in its ERRORS table, each with the table''s retry rule' {
        $assembly = [Veo31.PowerShell.VeoSession].Assembly
        $rows = $assembly.GetType('Veo31.PowerShell.Infrastructure.VeoErrorTable').GetField('All').GetValue($null)
        $coreAssembly = [Reflection.Assembly]::Load($assembly.GetReferencedAssemblies().Where({ $_.Name -eq 'Veo31.Core' })[0])
        $kinds = [enum]::GetNames($coreAssembly.GetType('Veo31.Core.Errors.VeoErrorKind'))
        foreach ($kind in $kinds) { $rows.Id | Should -Contain $kind -Because "every Core failure kind has a row in the error table" }

        $lines = Get-Content -LiteralPath (Join-Path $ModulePath 'en-US/about_Veo31.help.txt')
        $header = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match '^\s+ErrorId\s+Cause\s+Retried' })
        $header | Should -BeGreaterThan 0
        $retriedColumn = $lines[$header].IndexOf('Retried')
        $documented = [ordered]@{}
        for ($i = $header + 2; $i -lt $lines.Count -and $lines[$i].Trim(); $i++) {
            if ($lines[$i] -match '^    (\w+)\s') { $documented[$Matches[1]] = $lines[$i].Substring([Math]::Min($retriedColumn, $lines[$i].Length)).Trim() }
        }
        @($documented.Keys | Sort-Object) | Should -Be @($rows.Id | Sort-Object)
        foreach ($row in $rows) {
            $saysRetried = $documented[$row.Id] -notmatch '^(no|never)\b'
            $saysRetried | Should -Be $row.Retried -Because "about_Veo31 says '$($documented[$row.Id])' for $($row.Id)"
        }
    }
}

Describe 'The examples in docs/cmdlets run against the emulator' {
    BeforeAll {
        $script:Emulator = Start-VeoEmulator -ArgumentList '--job-seconds', '0.5'
        # Blob journal and save-to-container examples: Azurite, with SAS URLs and a connection string in the environment.
        Import-Module (Join-Path $RepoRoot 'tools/Azurite.psm1') -Force
        $script:Azurite = Start-VeoAzurite
        $script:SavedEnvironment = @{}
        foreach ($name in 'VEO_API_KEY', 'VEO_BASE_URI', 'VEO_JOURNAL', 'TMPDIR', 'TEMP', 'TMP', 'VEO_JOURNAL_SAS_URL', 'VEO_STORAGE_CONNECTION_STRING', 'VEO_VIDEOS_SAS_URL') { $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
        # Examples connect the way users do: from the environment (or with what Connect-Veo reads from it).
        $env:VEO_API_KEY = $Emulator.ApiKey
        $env:VEO_BASE_URI = "$($Emulator.ApiUri)"
        $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
        $script:WorkDir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'examples')
        $script:StartLocation = Get-Location
        # Real examples poll every 5 s as the provider asks; the emulator finishes a job in 0.5 s.
        $PSDefaultParameterValues['Wait-VeoVideo:PollIntervalSec'] = 0.2
    }

    AfterAll {
        $PSDefaultParameterValues.Remove('Wait-VeoVideo:PollIntervalSec')
        Set-Location $StartLocation
        Disconnect-Veo -ErrorAction SilentlyContinue
        foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
        if ($script:Emulator) { Stop-VeoEmulator $script:Emulator }
        if ($script:Azurite) { Stop-VeoAzurite $script:Azurite }
    }

    BeforeEach {
        # Each example starts connected, in a folder holding the sample images (as the docs assume).
        $env:VEO_API_KEY = $Emulator.ApiKey
        $env:VEO_BASE_URI = "$($Emulator.ApiUri)"
        $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
        $env:VEO_JOURNAL_SAS_URL = New-VeoAzuriteSasUrl -Azurite $Azurite -Path 'veo-journal/runbook.jsonl'
        $env:VEO_STORAGE_CONNECTION_STRING = $Azurite.ConnectionString
        $env:VEO_VIDEOS_SAS_URL = New-VeoAzuriteSasUrl -Azurite $Azurite -Path 'veo-videos'
        Get-ChildItem -LiteralPath $WorkDir -Force | Remove-Item -Recurse -Force
        Copy-Item -Path (Join-Path $FixturesPath 'sample.*') -Destination $WorkDir
        # What examples write to the temp folder ([IO.Path]::GetTempPath()) stays inside the test drive.
        $temp = (New-Item -ItemType Directory -Path (Join-Path $WorkDir '.tmp')).FullName
        foreach ($name in 'TMPDIR', 'TEMP', 'TMP') { [Environment]::SetEnvironmentVariable($name, $temp) }
        Set-Location -LiteralPath $WorkDir
        Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey
    }

    AfterEach {
        Set-Location $StartLocation
        foreach ($name in 'TMPDIR', 'TEMP', 'TMP') { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
    }

    It 'there are examples to run' {
        @($ExampleCases).Count | Should -BeGreaterOrEqual 18
    }

    It '<Page>: <Title>' -ForEach $ExampleCases {
        Reset-VeoEmulatorStats $Emulator
        $block = [scriptblock]::Create($Code)
        # Any error an example writes fails it; formatting the output exercises the format views too.
        & { $ErrorActionPreference = 'Stop'; $null = & $block | Out-String -Width 200 }
        $stats = Get-VeoEmulatorStats $Emulator
        $stats.duplicateCharges | Should -Be 0
        @($stats.cdnAuthorizationHeaders).Count | Should -Be 0
    }
}

Describe 'about_Veo31 names the ErrorCategory of every error id' {
    # The category list is checked against VeoErrorTable, the one place categories are decided (a hand-written paragraph drifted).
    It 'lists each id under exactly the category its records carry' {
        $about = Get-Content -Raw -LiteralPath (Join-Path $ModulePath 'en-US/about_Veo31.help.txt')
        $list = [regex]::Match($about, '(?s)The ErrorCategory follows the error.*?\n\s*\n(?<rows>(?: {8}\w+ +[\w, ]+\r?\n)+)').Groups['rows'].Value
        $list | Should -Not -BeNullOrEmpty
        $documented = @{}
        foreach ($row in $list -split '\r?\n' | Where-Object { $_.Trim() }) {
            $category, $ids = $row.Trim() -split ' +', 2
            foreach ($id in $ids -split ', *') { $documented[$id] = $category }
        }
        $rows = [Veo31.PowerShell.VeoSession].Assembly.GetType('Veo31.PowerShell.Infrastructure.VeoErrorTable').GetField('All').GetValue($null)
        $expected = @{}
        foreach ($spec in $rows) { $expected[$spec.Id] = "$($spec.Category)" }
        ($documented.Keys | Sort-Object) | Should -Be ($expected.Keys | Sort-Object)
        foreach ($id in $expected.Keys) { $documented[$id] | Should -Be $expected[$id] -Because "the records of $id carry $($expected[$id])" }
    }
}
