# A short soak inside the suite: the full one is ./build.ps1 -Task Soak.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Soak under 20% injected faults' {
    It 'completes and saves every job whose uuid it learned, journals every lost answer, with no duplicate charge and no partial file' {
        $figures = & (Join-Path $RepoRoot 'tests/Soak/Invoke-Soak.ps1') -ModulePath $ModulePath -Jobs 40 -FaultRate 0.2 -JobSeconds 1 |
            Select-Object -Last 1
        $figures.AcceptedByApi | Should -BeGreaterThan 20
        $figures.LostJobs | Should -Be 0
        $figures.CompletedAndSaved | Should -Be ($figures.AcceptedByApi - $figures.ChargedUuidNeverLearned)
        # Every charge whose answer was lost left an outcome-unknown record (a lost request that was not charged may too).
        $figures.OutcomeUnknownJournaled | Should -BeGreaterOrEqual $figures.ChargedUuidNeverLearned
        $figures.OutcomeUnknownJournaled | Should -Be $figures.SubmitOutcomeUnknown
        $figures.DuplicateCharges | Should -Be 0
        $figures.CorruptOrPartialFiles | Should -Be 0
    }
}
