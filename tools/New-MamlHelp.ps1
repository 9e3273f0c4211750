#Requires -Version 5.1
<#
.SYNOPSIS
    Turns the cmdlet reference in docs/cmdlets/*.md into the MAML help file PowerShell reads.
.DESCRIPTION
    Pure PowerShell (no platyPS, no other module). Reads every docs/cmdlets/<Verb>-<Noun>.md page and writes
    one <OutputPath>/Veo31.PowerShell.dll-Help.xml holding a command:command element per page, so that
    `Get-Help <cmdlet> -Full` shows the synopsis, description, syntax, every parameter, inputs, outputs,
    notes, examples and related links of the binary cmdlets.

    The page format (platyPS-like, strict):

        # Verb-Noun
        ## SYNOPSIS            one paragraph (required)
        ## SYNTAX              optional, for readers; the MAML syntax is derived from the parameter blocks
        ## DESCRIPTION         paragraphs (required)
        ## EXAMPLES            ### Example N: title, then a ```powershell fence, then remarks (at least one)
        ## PARAMETERS          ### -Name, description paragraphs, then a ```yaml block:
                                   Type, Parameter Sets, Aliases, Required, Position, Default value,
                                   Accept pipeline input, Accept wildcard characters
                               ### CommonParameters (ignored)
        ## INPUTS              ### TypeName then a description
        ## OUTPUTS             ### TypeName then a description
        ## NOTES               paragraphs
        ## RELATED LINKS       one link a line: [text](uri) or plain text

    A page that breaks the format (missing synopsis, description, examples, a parameter without a
    description or yaml block) stops the generator with an error naming the file and the problem.
.PARAMETER DocsPath
    The folder holding the <Verb>-<Noun>.md pages.
.PARAMETER OutputPath
    The folder the help file is written to (created when missing), e.g. out/Veo31/en-US.
.PARAMETER PassThru
    Returns the FileInfo of the help file written.
.PARAMETER HelpFileName
    The help file name: <assembly file name>-Help.xml, which is where PowerShell looks for a binary
    module's cmdlet help.
.EXAMPLE
    ./tools/New-MamlHelp.ps1 -DocsPath docs/cmdlets -OutputPath out/Veo31/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $HelpFileName = 'Veo31.PowerShell.dll-Help.xml',
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$script:NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$script:NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function ConvertFrom-CmdletMarkdown {
    <# Parses one page into a plain object; throws on a page that breaks the format. #>
    param([Parameter(Mandatory)] [string] $Path)

    $lines = @((Get-Content -LiteralPath $Path -Encoding UTF8) | ForEach-Object { $_.TrimEnd() })
    $file = Split-Path -Leaf $Path
    $page = [ordered]@{
        Name = $null; Synopsis = @(); Description = @(); Examples = @(); Parameters = @()
        Inputs = @(); Outputs = @(); Notes = @(); Links = @(); File = $file
    }

    # Split into H1/H2/H3 sections, leaving fenced code blocks alone.
    $h2 = $null; $h3 = $null; $buffer = [System.Collections.Generic.List[string]]::new()
    $sections = [System.Collections.Generic.List[object]]::new()
    $inFence = $false
    $flush = {
        if ($null -ne $h2) { $sections.Add([pscustomobject]@{ H2 = $h2; H3 = $h3; Lines = $buffer.ToArray() }) }
        $buffer.Clear()
    }
    foreach ($line in $lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence; $buffer.Add($line); continue }
        if (-not $inFence -and $line -match '^# (.+)$') {
            if ($page.Name) { throw "$($file): more than one '# ' heading." }
            $page.Name = $Matches[1].Trim(); continue
        }
        if (-not $inFence -and $line -match '^## (.+)$') { & $flush; $h2 = $Matches[1].Trim().ToUpperInvariant(); $h3 = $null; continue }
        if (-not $inFence -and $line -match '^### (.+)$') { & $flush; $h3 = $Matches[1].Trim(); continue }
        $buffer.Add($line)
    }
    if ($inFence) { throw "$($file): a code fence is not closed." }
    & $flush

    if (-not $page.Name) { throw "$($file): the page has no '# Verb-Noun' heading." }
    if ($page.Name -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "$($file): '$($page.Name)' is not a Verb-Noun name." }
    if ([IO.Path]::GetFileNameWithoutExtension($file) -ne $page.Name) { throw "$($file): the heading '$($page.Name)' does not match the file name." }

    foreach ($section in $sections) {
        switch ($section.H2) {
            'SYNOPSIS' { $page.Synopsis += ConvertTo-Paragraph $section.Lines }
            'SYNTAX' { }
            'DESCRIPTION' { $page.Description += ConvertTo-Paragraph $section.Lines }
            'EXAMPLES' {
                if (-not $section.H3) { if (ConvertTo-Paragraph $section.Lines) { throw "$($file): text under EXAMPLES before the first '### Example'." }; break }
                $code = [System.Collections.Generic.List[string]]::new(); $rest = [System.Collections.Generic.List[string]]::new()
                $state = 'before'
                foreach ($l in $section.Lines) {
                    if ($state -eq 'before' -and $l -match '^```(powershell|pwsh|ps1)?\s*$') { $state = 'code'; continue }
                    if ($state -eq 'code' -and $l -match '^```\s*$') { $state = 'after'; continue }
                    if ($state -eq 'code') { $code.Add($l) }
                    elseif ($state -eq 'after') { $rest.Add($l) }
                    elseif ($l.Trim()) { $rest.Add($l) }
                }
                if ($state -ne 'after' -or -not ($code -join '').Trim()) { throw "$($file): '$($section.H3)' has no ```powershell code block." }
                $page.Examples += [pscustomobject]@{ Title = $section.H3; Code = ($code -join "`n").Trim("`n"); Remarks = @(ConvertTo-Paragraph $rest.ToArray()) }
            }
            'PARAMETERS' {
                if (-not $section.H3 -or $section.H3 -eq 'CommonParameters') { break }
                if ($section.H3 -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') { throw "$($file): parameter heading '$($section.H3)' is not '### -Name'." }
                $name = $Matches[1]
                $text = [System.Collections.Generic.List[string]]::new(); $yaml = [System.Collections.Generic.List[string]]::new()
                $state = 'text'
                foreach ($l in $section.Lines) {
                    if ($state -eq 'text' -and $l -match '^```yaml\s*$') { $state = 'yaml'; continue }
                    if ($state -eq 'yaml' -and $l -match '^```\s*$') { $state = 'done'; continue }
                    if ($state -eq 'text') { $text.Add($l) } elseif ($state -eq 'yaml') { $yaml.Add($l) }
                }
                if ($state -ne 'done') { throw "$($file): parameter -$name has no ```yaml block." }
                $meta = @{}
                foreach ($l in $yaml) { if ($l -match '^\s*([A-Za-z ]+):\s*(.*)$') { $meta[$Matches[1].Trim()] = $Matches[2].Trim() } }
                foreach ($key in 'Type', 'Required', 'Position') {
                    if (-not $meta.ContainsKey($key) -or -not $meta[$key]) { throw "$($file): parameter -$name has no '$key' in its yaml block." }
                }
                $description = @(ConvertTo-Paragraph $text.ToArray())
                if (-not $description) { throw "$($file): parameter -$name has no description." }
                $get = { param($k, $d) if ($meta.ContainsKey($k) -and $meta[$k]) { $meta[$k] } else { $d } }
                $page.Parameters += [pscustomobject]@{
                    Name          = $name
                    Description   = $description
                    Type          = $meta['Type']
                    ParameterSets = @((& $get 'Parameter Sets' '(All)') -split '\s*,\s*' | Where-Object { $_ })
                    Aliases       = (& $get 'Aliases' 'None')
                    Required      = (& $get 'Required' 'False')
                    Position      = (& $get 'Position' 'Named')
                    DefaultValue  = (& $get 'Default value' 'None')
                    PipelineInput = (& $get 'Accept pipeline input' 'False')
                    Globbing      = (& $get 'Accept wildcard characters' 'False')
                }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                if (-not $section.H3) { if (ConvertTo-Paragraph $section.Lines) { throw "$($file): text under $($section.H2) needs a '### TypeName' heading." }; break }
                $item = [pscustomobject]@{ Type = $section.H3; Description = @(ConvertTo-Paragraph $section.Lines) }
                if ($section.H2 -eq 'INPUTS') { $page.Inputs += $item } else { $page.Outputs += $item }
            }
            'NOTES' { $page.Notes += ConvertTo-Paragraph $section.Lines }
            'RELATED LINKS' {
                foreach ($l in $section.Lines) {
                    $t = $l.Trim() -replace '^[-*]\s+', ''
                    if (-not $t) { continue }
                    if ($t -match '^\[([^\]]+)\]\(([^)]*)\)$') { $page.Links += [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
                    else { $page.Links += [pscustomobject]@{ Text = $t; Uri = '' } }
                }
            }
            default { throw "$($file): unknown section '## $($section.H2)'." }
        }
    }

    if (-not $page.Synopsis) { throw "$($file): SYNOPSIS is missing or empty." }
    if (-not $page.Description) { throw "$($file): DESCRIPTION is missing or empty." }
    if (-not $page.Examples) { throw "$($file): EXAMPLES has no example." }
    $seen = @{}
    foreach ($p in $page.Parameters) {
        if ($seen.ContainsKey($p.Name)) { throw "$($file): parameter -$($p.Name) is described twice." }
        $seen[$p.Name] = $true
    }
    [pscustomobject]$page
}

function ConvertTo-Paragraph {
    <# Markdown lines to plain paragraphs: blank lines separate, lists/tables/code keep their lines. #>
    param([string[]] $Lines)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $block = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $emit = {
        if ($block.Count -eq 0) { return }
        $structured = @($block | Where-Object { $_ -match '^\s*([-*+]\s|\d+\.\s|\|)' }).Count -gt 0
        if ($structured) { foreach ($b in $block) { $paragraphs.Add((ConvertTo-PlainText $b)) } }
        else { $paragraphs.Add((ConvertTo-PlainText (($block | ForEach-Object { $_.Trim() }) -join ' '))) }
        $block.Clear()
    }
    foreach ($line in @($Lines)) {
        if ($line -match '^\s*```') {
            & $emit
            $inFence = -not $inFence
            continue
        }
        if ($inFence) { $paragraphs.Add('    ' + $line); continue }
        if (-not $line.Trim()) { & $emit; continue }
        $block.Add($line)
    }
    & $emit
    , @($paragraphs | Where-Object { $_.Trim() })
}

function ConvertTo-PlainText {
    param([string] $Text)
    $t = $Text -replace '\[([^\]]+)\]\([^)]*\)', '$1'   # [text](uri) -> text
    $t = $t -replace '\*\*([^*]+)\*\*', '$1'             # **bold**
    $t = $t -replace '`([^`]+)`', '$1'                  # `code`
    $t = $t -replace '\\([\\`*_{}\[\]()#+\-.!|])', '$1' # markdown escapes
    $t.TrimEnd()
}

function Add-Element {
    param([System.Xml.XmlNode] $Parent, [string] $Prefix, [string] $Name, [string] $Text, [hashtable] $Attributes)
    $ns = switch ($Prefix) { 'maml' { $script:NsMaml } 'command' { $script:NsCommand } 'dev' { $script:NsDev } }
    $doc = if ($Parent -is [System.Xml.XmlDocument]) { $Parent } else { $Parent.OwnerDocument }
    $element = $doc.CreateElement($Prefix, $Name, $ns)
    if ($Attributes) { foreach ($key in $Attributes.Keys | Sort-Object) { $element.SetAttribute($key, [string]$Attributes[$key]) } }
    if ($PSBoundParameters.ContainsKey('Text')) { $element.InnerText = $Text }
    $null = $Parent.AppendChild($element)
    $element
}

function Add-Paragraphs {
    param([System.Xml.XmlNode] $Parent, [string[]] $Paragraphs)
    $description = Add-Element $Parent 'maml' 'description'
    foreach ($p in @($Paragraphs)) { $null = Add-Element $description 'maml' 'para' -Text $p }
    if (-not @($Paragraphs).Count) { $null = Add-Element $description 'maml' 'para' -Text '' }
    $description
}

function Test-True([string] $Value) { $Value -match '^\s*true' }

function Add-ParameterElement {
    param([System.Xml.XmlNode] $Parent, $Parameter, [switch] $ForSyntax)
    $position = if ($Parameter.Position -match '^\d+$') { $Parameter.Position } else { 'named' }
    $pipeline = if (Test-True $Parameter.PipelineInput) { $Parameter.PipelineInput } else { 'False' }
    $aliases = if ($Parameter.Aliases -and $Parameter.Aliases -ne 'None') { $Parameter.Aliases } else { 'none' }
    $isSwitch = $Parameter.Type -match '^(System\.Management\.Automation\.)?SwitchParameter$'
    $element = Add-Element $Parent 'command' 'parameter' -Attributes ([ordered]@{
            required = (Test-True $Parameter.Required).ToString().ToLowerInvariant()
            variableLength = ($Parameter.Type -match '\[\]$').ToString().ToLowerInvariant()
            globbing = (Test-True $Parameter.Globbing).ToString().ToLowerInvariant()
            pipelineInput = $pipeline
            position = $position
            aliases = $aliases
        })
    $null = Add-Element $element 'maml' 'name' -Text $Parameter.Name
    $null = Add-Paragraphs $element $Parameter.Description
    if (-not ($ForSyntax -and $isSwitch)) {
        $null = Add-Element $element 'command' 'parameterValue' -Text $Parameter.Type -Attributes @{ required = (-not $isSwitch).ToString().ToLowerInvariant(); variableLength = 'false' }
    }
    $type = Add-Element $element 'dev' 'type'
    $null = Add-Element $type 'maml' 'name' -Text $Parameter.Type
    $null = Add-Element $type 'maml' 'uri'
    $null = Add-Element $element 'dev' 'defaultValue' -Text $Parameter.DefaultValue
}

function Add-CommandElement {
    param([System.Xml.XmlNode] $Parent, $Page)
    $command = Add-Element $Parent 'command' 'command'
    $verb, $noun = $Page.Name -split '-', 2

    $details = Add-Element $command 'command' 'details'
    $null = Add-Element $details 'command' 'name' -Text $Page.Name
    $null = Add-Element $details 'command' 'verb' -Text $verb
    $null = Add-Element $details 'command' 'noun' -Text $noun
    $null = Add-Paragraphs $details $Page.Synopsis
    $null = Add-Paragraphs $command $Page.Description

    # Syntax: one item per parameter set named in the parameter blocks ((All) belongs to every set).
    $sets = @($Page.Parameters | ForEach-Object { $_.ParameterSets } | Where-Object { $_ -and $_ -ne '(All)' } | Select-Object -Unique)
    if (-not $sets) { $sets = @('(All)') }
    $syntax = Add-Element $command 'command' 'syntax'
    foreach ($set in $sets) {
        $item = Add-Element $syntax 'command' 'syntaxItem'
        $null = Add-Element $item 'maml' 'name' -Text $Page.Name
        $members = @($Page.Parameters | Where-Object { $_.ParameterSets -contains '(All)' -or $_.ParameterSets -contains $set })
        $positional = @($members | Where-Object { $_.Position -match '^\d+$' } | Sort-Object { [int]$_.Position })
        $named = @($members | Where-Object { $_.Position -notmatch '^\d+$' })
        foreach ($p in $positional + $named) { Add-ParameterElement $item $p -ForSyntax }
    }

    $parameters = Add-Element $command 'command' 'parameters'
    foreach ($p in $Page.Parameters) { Add-ParameterElement $parameters $p }

    $inputs = Add-Element $command 'command' 'inputTypes'
    foreach ($i in $Page.Inputs) {
        $inputType = Add-Element $inputs 'command' 'inputType'
        $type = Add-Element $inputType 'dev' 'type'
        $null = Add-Element $type 'maml' 'name' -Text $i.Type
        $null = Add-Paragraphs $inputType $i.Description
    }
    $outputs = Add-Element $command 'command' 'returnValues'
    foreach ($o in $Page.Outputs) {
        $returnValue = Add-Element $outputs 'command' 'returnValue'
        $type = Add-Element $returnValue 'dev' 'type'
        $null = Add-Element $type 'maml' 'name' -Text $o.Type
        $null = Add-Paragraphs $returnValue $o.Description
    }

    $alertSet = Add-Element $command 'maml' 'alertSet'
    $alert = Add-Element $alertSet 'maml' 'alert'
    foreach ($n in @($Page.Notes)) { $null = Add-Element $alert 'maml' 'para' -Text $n }

    $examples = Add-Element $command 'command' 'examples'
    foreach ($e in $Page.Examples) {
        $example = Add-Element $examples 'command' 'example'
        $null = Add-Element $example 'maml' 'title' -Text "-------------------------- $($e.Title) --------------------------"
        $null = Add-Element $example 'dev' 'code' -Text $e.Code
        $remarks = Add-Element $example 'dev' 'remarks'
        foreach ($r in @($e.Remarks)) { $null = Add-Element $remarks 'maml' 'para' -Text $r }
    }

    $links = Add-Element $command 'command' 'relatedLinks'
    foreach ($l in $Page.Links) {
        $link = Add-Element $links 'maml' 'navigationLink'
        $null = Add-Element $link 'maml' 'linkText' -Text $l.Text
        $uri = if ($l.Uri -match '^https?://') { $l.Uri } else { '' }
        $null = Add-Element $link 'maml' 'uri' -Text $uri
    }
}

$docs = (Resolve-Path -LiteralPath $DocsPath).Path
$pages = @(Get-ChildItem -LiteralPath $docs -Filter '*-*.md' -File | Sort-Object Name | ForEach-Object { ConvertFrom-CmdletMarkdown -Path $_.FullName })
if (-not $pages) { throw "No <Verb>-<Noun>.md pages in $docs." }

$xml = [System.Xml.XmlDocument]::new()
$null = $xml.AppendChild($xml.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $xml.CreateElement('helpItems', 'http://msh')
$root.SetAttribute('schema', 'maml')
$root.SetAttribute('xmlns:maml', $script:NsMaml)
$root.SetAttribute('xmlns:command', $script:NsCommand)
$root.SetAttribute('xmlns:dev', $script:NsDev)
$null = $xml.AppendChild($root)
foreach ($page in $pages) { Add-CommandElement $root $page }

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$target = Join-Path (Resolve-Path -LiteralPath $OutputPath).Path $HelpFileName
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$writer = [System.Xml.XmlWriter]::Create($target, $settings)
try { $xml.Save($writer) } finally { $writer.Dispose() }
Write-Verbose "Wrote help for $($pages.Count) cmdlets to $target"
if ($PassThru) { Get-Item -LiteralPath $target }
