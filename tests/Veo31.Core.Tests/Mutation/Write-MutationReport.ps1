#Requires -Version 7.2
<#
.SYNOPSIS
    Turns Stryker.NET's JSON report into docs/testing.md: the date and commit, per-file and per-area scores, the surviving
    mutants, and the ignored ones with why.
.DESCRIPTION
    Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it; compile errors and
    ignored mutants are not counted. A mutant is ignored only by a "// Stryker disable ... : why" comment in the code next
    to it (an equivalent mutant, or a message's wording); Stryker reports it with status Ignored and the why as its
    statusReason, and this report lists every one of them. Returns an object with the totals, so build.ps1 can print them.
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

function Get-Original([string[]] $Lines, $Location) {
    $start = $Location.start; $end = $Location.end
    if ($start.line -eq $end.line) { return $Lines[$start.line - 1].Substring($start.column - 1, $end.column - $start.column) }
    $parts = @($Lines[$start.line - 1].Substring($start.column - 1))
    for ($l = $start.line; $l -lt $end.line - 1; $l++) { $parts += $Lines[$l] }
    $parts += $Lines[$end.line - 1].Substring(0, $end.column - 1)
    $parts -join "`n"
}

function Compress-Code([string] $Text) { ($Text -replace '\s+', ' ').Trim() }

# Ignored by Stryker itself, not by a comment in the code: files outside the scope, and block removals that repeat a statement's.
$NotListed = @('Removed by mutate filter', 'Removed by block already covered filter')
# Ignored by a setting in stryker-config.json rather than a comment: the why of each setting.
$SettingReasons = @{
    'Removed by method filter' = 'ignore-methods `*ConfigureAwait` (stryker-config.json): ConfigureAwait(false) made true changes only whether a continuation resumes on the caller''s synchronization context; the tests have none, and that Core never does is a house rule kept by review'
}

$rows = foreach ($path in ($report.files.Keys | Sort-Object)) {
    $file = $report.files[$path]
    $relative = [IO.Path]::GetRelativePath($RepositoryRoot, $path).Replace('\', '/')
    $lines = $file.source -split "`r?`n"
    $counts = @{ Killed = 0; Survived = 0; Timeout = 0; NoCoverage = 0; Ignored = 0 }
    $open = [Collections.Generic.List[object]]::new()
    $ignoredHere = [Collections.Generic.List[object]]::new()
    foreach ($m in $file.mutants) {
        $isListedIgnore = $m.status -eq 'Ignored' -and $m.statusReason -notin $NotListed
        if ($m.status -notin 'Killed', 'Survived', 'Timeout', 'NoCoverage' -and -not $isListedIgnore) { continue }
        $counts[$m.status]++
        if ($m.status -in 'Survived', 'NoCoverage', 'Ignored') {
            $entry = [pscustomobject]@{
                Line = $m.location.start.line; Status = $m.status; Mutator = $m.mutatorName
                Original = Compress-Code (Get-Original $lines $m.location); Replacement = Compress-Code $m.replacement
                Why = if ($SettingReasons.ContainsKey([string]$m['statusReason'])) { $SettingReasons[[string]$m['statusReason']] } else { $m['statusReason'] }
            }
            if ($isListedIgnore) { $ignoredHere.Add($entry) } else { $open.Add($entry) }
        }
    }
    $detected = $counts.Killed + $counts.Timeout
    $valid = $detected + $counts.Survived + $counts.NoCoverage
    if ($valid -eq 0) { continue }
    [pscustomobject]@{
        File = $relative; Killed = $counts.Killed; Timeout = $counts.Timeout; Survived = $counts.Survived
        NoCoverage = $counts.NoCoverage; Ignored = $counts.Ignored; Detected = $detected; Valid = $valid
        Score = 100.0 * $detected / $valid
        Open = $open; IgnoredMutants = $ignoredHere
    }
}

function Get-Total($Subset) {
    $detected = ($Subset | Measure-Object Detected -Sum).Sum
    $valid = ($Subset | Measure-Object Valid -Sum).Sum
    $ignored = ($Subset | Measure-Object Ignored -Sum).Sum
    [pscustomobject]@{
        Detected = $detected; Valid = $valid; Ignored = $ignored
        Score = if ($valid) { 100.0 * $detected / $valid } else { 100.0 }
    }
}

$total = Get-Total $rows
$areas = foreach ($name in $StrictAreas.Keys) {
    $members = @($rows | Where-Object { $f = $_.File; @($StrictAreas[$name] | Where-Object { $f -like "*$_*" }).Count -gt 0 })
    $t = Get-Total $members
    [pscustomobject]@{ Area = $name; Score = $t.Score; Detected = $t.Detected; Valid = $t.Valid; Ignored = $t.Ignored }
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
$null = $md.AppendLine('Core test fail? Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it.')
$null = $md.AppendLine('A mutant is left out of the score only by a `// Stryker disable once <mutator> : <why>` comment in the code next to')
$null = $md.AppendLine('it, or by the one `ignore-methods` setting in stryker-config.json (`ConfigureAwait`): Stryker then reports it as')
$null = $md.AppendLine('Ignored, and every one is listed at the end of this page with its why. Four kinds are ignored: equivalent mutants (a')
$null = $md.AppendLine('change no test can observe, argued in the comment), the wording of error and log messages (the kind of an error,')
$null = $md.AppendLine('its fields and the facts it names are rules and stay measured; a text a test pins is not ignored), ConfigureAwait(false),')
$null = $md.AppendLine('and a few marked "untestable here, not equivalent" (Windows-only behaviour, the unmanaged copy of the key), kept by')
$null = $md.AppendLine('review. A comment covers every mutant of its kind in the statement below it, so none sits on a statement where one')
$null = $md.AppendLine('of those mutants is observable (a comparison flipped, not only moved by one).')
$null = $md.AppendLine()
$null = $md.AppendLine('Scope: where a wrong rule costs a user (the key and URL rules, file names, the journal, the response and status')
$null = $md.AppendLine('parsers, Retry-After and Content-Range handling, the retry and rate rules, the download resume rules):')
$null = $md.AppendLine(($config.mutate | ForEach-Object { '`' + ($_ -replace '^\*\*/', '') + '`' }) -join ', ')
$null = $md.AppendLine()
$null = $md.AppendLine('Tests: the Core test project without its end-to-end emulator classes, its real-time rate tests and its two')
$null = $md.AppendLine('many-writer stress tests (`test-case-filter` in stryker-config.json). An emulator test reaches every mutant in the')
$null = $md.AppendLine('key, URL, parser and retry code, and a real-time or stress test takes seconds, so each survivor would cost them all')
$null = $md.AppendLine('again; the rules they exercise are pinned by the unit-level tests where they are written (the *RuleTests classes,')
$null = $md.AppendLine('whose names state the rule: the rate rules on a fake clock, locking by a held lock file) and by the raw-socket')
$null = $md.AppendLine('download tests.')
$null = $md.AppendLine()
$null = $md.AppendLine("- Date: $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm', [Globalization.CultureInfo]::InvariantCulture)) UTC")
$null = $md.AppendLine("- Commit: $commit$dirty")
if ($Duration -gt [TimeSpan]::Zero) { $null = $md.AppendLine("- Run time: $([int][Math]::Floor($Duration.TotalMinutes)) min $($Duration.Seconds) s") }
$null = $md.AppendLine("- **Total: $(& $f1 $total.Score)%** ($($total.Detected) of $($total.Valid) mutants detected; $($total.Ignored) more ignored, listed below). Target: at least 85%.")
$null = $md.AppendLine()
$null = $md.AppendLine('| Area (target 95%) | Score | Detected / valid | Ignored |')
$null = $md.AppendLine('| --- | ---: | ---: | ---: |')
foreach ($a in $areas) { $null = $md.AppendLine("| $($a.Area) | $(& $f1 $a.Score)% | $($a.Detected) / $($a.Valid) | $($a.Ignored) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('| File | Score | Killed | Timeout | Survived | No coverage | Ignored |')
$null = $md.AppendLine('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
foreach ($r in $rows) { $null = $md.AppendLine("| $($r.File) | $(& $f1 $r.Score)% | $($r.Killed) | $($r.Timeout) | $($r.Survived) | $($r.NoCoverage) | $($r.Ignored) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('## Surviving mutants')
$null = $md.AppendLine()
$open = @($rows | ForEach-Object { $file = $_.File; $_.Open | ForEach-Object { $_ | Add-Member -NotePropertyName File -NotePropertyValue $file -PassThru -Force } })
if ($open.Count -eq 0) { $null = $md.AppendLine('None.') }
else {
    $null = $md.AppendLine('Each counts against the score: a change to the code that no Core test run here notices.')
    $null = $md.AppendLine()
    $null = $md.AppendLine('| File:line | Status | Mutator | Original | Mutated |')
    $null = $md.AppendLine('| --- | --- | --- | --- | --- |')
    foreach ($o in $open) { $null = $md.AppendLine("| $($o.File):$($o.Line) | $($o.Status) | $($o.Mutator) | ``$($o.Original -replace '\|', '\|')`` | ``$($o.Replacement -replace '\|', '\|')`` |") }
}
$null = $md.AppendLine()
$null = $md.AppendLine('## Ignored mutants')
$null = $md.AppendLine()
$ignoredAll = @($rows | ForEach-Object { $file = $_.File; $_.IgnoredMutants | ForEach-Object { $_ | Add-Member -NotePropertyName File -NotePropertyValue $file -PassThru -Force } })
$null = $md.AppendLine("$($ignoredAll.Count) mutants, each left out by a comment next to it in the code; by why:")
$null = $md.AppendLine()
$null = $md.AppendLine('| Why (the comment''s reason) | Mutants |')
$null = $md.AppendLine('| --- | ---: |')
foreach ($g in ($ignoredAll | Group-Object Why | Sort-Object Count -Descending)) { $null = $md.AppendLine("| $($g.Name) | $($g.Count) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('| File:line | Mutator | Original | Mutated | Why |')
$null = $md.AppendLine('| --- | --- | --- | --- | --- |')
foreach ($e in $ignoredAll) { $null = $md.AppendLine("| $($e.File):$($e.Line) | $($e.Mutator) | ``$($e.Original -replace '\|', '\|')`` | ``$($e.Replacement -replace '\|', '\|')`` | $($e.Why) |") }
Set-Content -LiteralPath $OutputPath -Value $md.ToString() -Encoding utf8NoBOM

[pscustomobject]@{ Total = $total; Areas = $areas; Files = $rows; Open = $open.Count }
