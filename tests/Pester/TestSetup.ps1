# Dot-sourced by every Pester file: the built module, the emulator helpers and sample files.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:VEO_TEST_MODULE_PATH) { $env:VEO_TEST_MODULE_PATH } else { Join-Path $script:RepoRoot 'out/Veo31' }
$script:FixturesPath = Join-Path $script:RepoRoot 'tests/Fixtures'
Import-Module (Join-Path $script:RepoRoot 'tools/VeoEmulator.psm1') -Force
Import-Module (Join-Path $script:RepoRoot 'tools/SampleImages.psm1') -Force
Import-Module $script:ModulePath -Force

# A started emulator, a journal in $TestDrive and a session connected to it; returns the emulator.
function Start-VeoTestSession([string[]] $EmulatorArguments = @('--job-seconds', '0.5')) {
    $emulator = Start-VeoEmulator -ArgumentList $EmulatorArguments
    $env:VEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
    Connect-Veo -BaseUri $emulator.ApiUri -ApiKey $emulator.SecureKey
    $emulator
}

function Stop-VeoTestSession($Emulator) {
    Disconnect-Veo -ErrorAction SilentlyContinue
    Remove-Item Env:VEO_JOURNAL -ErrorAction SilentlyContinue
    if ($Emulator) { Stop-VeoEmulator $Emulator }
}

# Runs a script block and returns the terminating ErrorRecord it raised, or $null.
function Get-VeoError([scriptblock] $Action) {
    try { $null = & $Action; $null } catch { $_ }
}

# Connect-Veo to $Emulator with a journal of its own in $TestDrive (and the given Connect-Veo parameters); returns
# the journal's path.
function Connect-Fresh([hashtable] $Options = @{}) {
    $journal = Join-Path $TestDrive ('journal-' + [guid]::NewGuid().ToString('n') + '.jsonl')
    Connect-Veo -BaseUri $Emulator.ApiUri -ApiKey $Emulator.SecureKey -JournalPath $journal @Options
    $journal
}

# Two distinct real PNGs (beach.png, 'dunes at dusk.png') in a folder of their own in $TestDrive; returns the folder.
function New-ImageFolder([string] $Name) {
    $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
    $null = New-VeoSamplePng -Path (Join-Path $folder 'beach.png') -Hue 10
    $null = New-VeoSamplePng -Path (Join-Path $folder 'dunes at dusk.png') -Hue 90
    $folder
}

# A shell in a runspace of its own that imports the module, connects to $Emulator and runs $Script, to be started with
# BeginInvoke and stopped like Ctrl+C. One statement (not a batch of AddStatement calls): PowerShell runs a batch's
# later statements on a thread-pool item that crashes the whole process if the shell is disposed after Stop().
function New-StoppableShell($Emulator, [string] $Script) {
    $shell = [powershell]::Create()
    $null = $shell.AddScript('param($Module, $Uri, $Key, $Pipeline) Import-Module $Module; Connect-Veo -BaseUri $Uri -ApiKey $Key; & ([scriptblock]::Create($Pipeline))')
    $null = $shell.AddArgument($ModulePath).AddArgument($Emulator.ApiUri).AddArgument($Emulator.SecureKey).AddArgument($Script)
    $shell
}

# Waits (up to 20 s) until the emulator has charged $Count generations, then 200 ms more so the requests that follow
# are on the wire: the moment a Ctrl+C test stops its shell.
function Wait-VeoEmulatorGenerations($Emulator, [int] $Count) {
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ((Get-VeoEmulatorStats $Emulator).generations -lt $Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
    Start-Sleep -Milliseconds 200
}
