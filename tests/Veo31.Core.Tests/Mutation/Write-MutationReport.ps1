#Requires -Version 7.2
<#
.SYNOPSIS
    Turns Stryker.NET's JSON report into docs/testing.md: the date and commit, per-file and per-area scores, the surviving
    mutants, and the equivalent mutants (listed in equivalent-mutants.json beside this script) with why they stay.
.DESCRIPTION
    Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it; compile errors and
    ignored mutants are not counted. "Score without equivalents" leaves out the mutants equivalent-mutants.json names.
    Returns an object with the totals, so build.ps1 can print them.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ReportPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [Parameter(Mandatory)] [string] $RepositoryRoot,
    [TimeSpan] $Duration = [TimeSpan]::Zero,
    # The commit the run measured; by default the repository's HEAD.
    [string] $Commit
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The areas whose rules the issue asks to pin at 95%: the key and URLs, file names, the journal.
$StrictAreas = [ordered]@{
    'Key and URL rules' = @('Http/UrlRules.cs', 'Http/ApiKeyHolder.cs', 'Logging/LogRedactor.cs')
    'File names'        = @('Files/SafeFileNames.cs')
    'Journal'           = @('Journal/')
}

$report = Get-Content -Raw -LiteralPath $ReportPath | ConvertFrom-Json -AsHashtable
$equivalents = @(Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot 'equivalent-mutants.json') | ConvertFrom-Json)

function Get-Original([string[]] $Lines, $Location) {
    $start = $Location.start; $end = $Location.end
    if ($start.line -eq $end.line) { return $Lines[$start.line - 1].Substring($start.column - 1, $end.column - $start.column) }
    $parts = @($Lines[$start.line - 1].Substring($start.column - 1))
    for ($l = $start.line; $l -lt $end.line - 1; $l++) { $parts += $Lines[$l] }
    $parts += $Lines[$end.line - 1].Substring(0, $end.column - 1)
    $parts -join "`n"
}

function Compress-Code([string] $Text) { ($Text -replace '\s+', ' ').Trim() }

# An entry names a file (or *), a mutator, and either the original code or a pattern its line matches.
function Find-Equivalent([string] $File, $Mutant, [string] $Original, [string] $Line) {
    foreach ($e in $equivalents) {
        if ($e.file -ne '*' -and -not $File.EndsWith($e.file)) { continue }
        if ($e.mutator -ne $Mutant.mutatorName) { continue }
        if ($e.PSObject.Properties['original'] -and (Compress-Code $e.original) -ne (Compress-Code $Original)) { continue }
        if ($e.PSObject.Properties['lineMatches'] -and $Line -notmatch $e.lineMatches) { continue }
        if ($e.PSObject.Properties['replacement'] -and (Compress-Code $e.replacement) -ne (Compress-Code $Mutant.replacement)) { continue }
        return $e
    }
    $null
}

$rows = foreach ($path in ($report.files.Keys | Sort-Object)) {
    $file = $report.files[$path]
    $relative = [IO.Path]::GetRelativePath($RepositoryRoot, $path).Replace('\', '/')
    $lines = $file.source -split "`r?`n"
    $counts = @{ Killed = 0; Survived = 0; Timeout = 0; NoCoverage = 0; Equivalent = 0 }
    $open = [Collections.Generic.List[object]]::new()
    $equivalentHere = [Collections.Generic.List[object]]::new()
    foreach ($m in $file.mutants) {
        if ($m.status -notin 'Killed', 'Survived', 'Timeout', 'NoCoverage') { continue }
        $counts[$m.status]++
        if ($m.status -in 'Survived', 'NoCoverage') {
            $original = Get-Original $lines $m.location
            $entry = [pscustomobject]@{
                Line = $m.location.start.line; Status = $m.status; Mutator = $m.mutatorName
                Original = Compress-Code $original; Replacement = Compress-Code $m.replacement
            }
            $equivalent = Find-Equivalent $relative $m $original $lines[$m.location.start.line - 1]
            if ($equivalent) {
                $counts.Equivalent++
                $equivalentHere.Add(($entry | Add-Member -NotePropertyName Why -NotePropertyValue $equivalent.why -PassThru))
            } else {
                $open.Add($entry)
            }
        }
    }
    $detected = $counts.Killed + $counts.Timeout
    $valid = $detected + $counts.Survived + $counts.NoCoverage
    if ($valid -eq 0) { continue }
    [pscustomobject]@{
        File = $relative; Killed = $counts.Killed; Timeout = $counts.Timeout; Survived = $counts.Survived
        NoCoverage = $counts.NoCoverage; Equivalent = $counts.Equivalent; Detected = $detected; Valid = $valid
        Score = 100.0 * $detected / $valid
        ScoreWithoutEquivalents = if ($valid - $counts.Equivalent) { 100.0 * $detected / ($valid - $counts.Equivalent) } else { 100.0 }
        Open = $open; Equivalents = $equivalentHere
    }
}

function Get-Total($Subset) {
    $detected = ($Subset | Measure-Object Detected -Sum).Sum
    $valid = ($Subset | Measure-Object Valid -Sum).Sum
    $equivalent = ($Subset | Measure-Object Equivalent -Sum).Sum
    [pscustomobject]@{
        Detected = $detected; Valid = $valid; Equivalent = $equivalent
        Score = if ($valid) { 100.0 * $detected / $valid } else { 100.0 }
        ScoreWithoutEquivalents = if ($valid - $equivalent) { 100.0 * $detected / ($valid - $equivalent) } else { 100.0 }
    }
}

$total = Get-Total $rows
$areas = foreach ($name in $StrictAreas.Keys) {
    $members = @($rows | Where-Object { $f = $_.File; @($StrictAreas[$name] | Where-Object { $f -like "*$_*" }).Count -gt 0 })
    $t = Get-Total $members
    [pscustomobject]@{ Area = $name; Score = $t.Score; ScoreWithoutEquivalents = $t.ScoreWithoutEquivalents; Detected = $t.Detected; Valid = $t.Valid; Equivalent = $t.Equivalent }
}

$dirty = ''
$commit = $Commit
if (-not $commit) {
    $commit = (& git -C $RepositoryRoot rev-parse --short HEAD 2>$null)
    $dirty = if (& git -C $RepositoryRoot status --porcelain --untracked-files=no 2>$null) { ' (with uncommitted changes)' } else { '' }
}
$config = (Get-Content -Raw -LiteralPath (Join-Path $RepositoryRoot 'stryker-config.json') | ConvertFrom-Json).'stryker-config'
$f1 = { param($x) $x.ToString('0.0', [Globalization.CultureInfo]::InvariantCulture) }

$md = [Text.StringBuilder]::new()
$null = $md.AppendLine('# Mutation testing')
$null = $md.AppendLine()
$null = $md.AppendLine('Written by `dotnet pwsh ./build.ps1 -Task Mutate` (Stryker.NET, pinned in `.config/dotnet-tools.json`; scope and')
$null = $md.AppendLine('settings in `stryker-config.json`). It asks of each rule in Core''s safety logic: if this line were wrong, would a')
$null = $md.AppendLine('Core test fail? Score = (killed + timeout) / (killed + timeout + survived + no coverage). Equivalent mutants (a')
$null = $md.AppendLine('change no test can observe) are listed below with why they stay, from')
$null = $md.AppendLine('`tests/Veo31.Core.Tests/Mutation/equivalent-mutants.json`; they count as survivors in the score, and the')
$null = $md.AppendLine('score without them is shown beside it.')
$null = $md.AppendLine()
$null = $md.AppendLine('Scope: where a wrong rule costs a user (the key and URL rules, file names, the journal, the response and status')
$null = $md.AppendLine('parsers, Retry-After and Content-Range handling, the retry and rate rules, the download resume rules):')
$null = $md.AppendLine(($config.mutate | ForEach-Object { '`' + ($_ -replace '^\*\*/', '') + '`' }) -join ', ')
$null = $md.AppendLine()
$null = $md.AppendLine('Tests: the Core test project without its end-to-end emulator classes (`test-case-filter` in stryker-config.json).')
$null = $md.AppendLine('Every mutant in the key, URL, parser and retry code is reached by all of those classes, so each one that survives')
$null = $md.AppendLine('would cost the whole suite again; the rules are pinned by the unit-level tests where they are written (the')
$null = $md.AppendLine('*RuleTests classes, whose names state the rule) and by the raw-socket CDN tests.')
$null = $md.AppendLine()
$null = $md.AppendLine("- Date: $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm', [Globalization.CultureInfo]::InvariantCulture)) UTC")
$null = $md.AppendLine("- Commit: $commit$dirty")
if ($Duration -gt [TimeSpan]::Zero) { $null = $md.AppendLine("- Run time: $([int]$Duration.TotalMinutes) min $($Duration.Seconds) s") }
$null = $md.AppendLine("- **Total: $(& $f1 $total.Score)%** ($($total.Detected) of $($total.Valid) mutants detected; $(& $f1 $total.ScoreWithoutEquivalents)% without the $($total.Equivalent) equivalent ones). Target: at least 85%.")
$null = $md.AppendLine()
$null = $md.AppendLine('| Area (target 95%) | Score | Without equivalents | Detected / valid |')
$null = $md.AppendLine('| --- | ---: | ---: | ---: |')
foreach ($a in $areas) { $null = $md.AppendLine("| $($a.Area) | $(& $f1 $a.Score)% | $(& $f1 $a.ScoreWithoutEquivalents)% | $($a.Detected) / $($a.Valid) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('| File | Score | Killed | Timeout | Survived | No coverage | Equivalent |')
$null = $md.AppendLine('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
foreach ($r in $rows) { $null = $md.AppendLine("| $($r.File) | $(& $f1 $r.Score)% | $($r.Killed) | $($r.Timeout) | $($r.Survived) | $($r.NoCoverage) | $($r.Equivalent) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('## Surviving mutants')
$null = $md.AppendLine()
$open = @($rows | ForEach-Object { $file = $_.File; $_.Open | ForEach-Object { $_ | Add-Member -NotePropertyName File -NotePropertyValue $file -PassThru -Force } })
if ($open.Count -eq 0) { $null = $md.AppendLine('None besides the equivalent mutants below.') }
else {
    $null = $md.AppendLine('Not equivalent: each is a rule no Core test pins yet.')
    $null = $md.AppendLine()
    $null = $md.AppendLine('| File:line | Status | Mutator | Original | Mutated |')
    $null = $md.AppendLine('| --- | --- | --- | --- | --- |')
    foreach ($o in $open) { $null = $md.AppendLine("| $($o.File):$($o.Line) | $($o.Status) | $($o.Mutator) | ``$($o.Original -replace '\|', '\|')`` | ``$($o.Replacement -replace '\|', '\|')`` |") }
}
$null = $md.AppendLine()
$null = $md.AppendLine('## Equivalent mutants')
$null = $md.AppendLine()
$null = $md.AppendLine('| File:line | Mutator | Original | Mutated | Why it stays |')
$null = $md.AppendLine('| --- | --- | --- | --- | --- |')
foreach ($r in $rows) {
    foreach ($e in $r.Equivalents) { $null = $md.AppendLine("| $($r.File):$($e.Line) | $($e.Mutator) | ``$($e.Original -replace '\|', '\|')`` | ``$($e.Replacement -replace '\|', '\|')`` | $($e.Why) |") }
}
Set-Content -LiteralPath $OutputPath -Value $md.ToString() -Encoding utf8NoBOM

[pscustomobject]@{ Total = $total; Areas = $areas; Files = $rows; Open = $open.Count }
