@{
    RootModule           = 'Veo31.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '3f0b6c52-8d0e-4f7a-9c1b-5e2a7d4c9b31'
    Author               = 'Veo31.PowerShell contributors'
    CompanyName          = 'Veo31.PowerShell contributors'
    Copyright            = 'Copyright (c) Veo31.PowerShell contributors. MIT License.'
    Description          = 'Generate videos with the Veo 3.1 API: text or image to video, waiting on many jobs at once, resumable downloads, a local job journal. Typed objects, catchable ErrorIds, -WhatIf, Ctrl+C that works; the API key is never shown.'
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('Veo31.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Veo'
        'Disconnect-Veo'
        'Get-VeoSession'
        'New-VeoVideo'
        'Get-VeoVideoStatus'
        'Send-VeoImage'
        'Wait-VeoVideo'
        'Save-VeoVideo'
        'Get-VeoVideo'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Veo', 'Veo3', 'Video', 'AI', 'GenerativeAI', 'REST', 'AzureAutomation', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/veo31-powershell/Veo31.PowerShell'
            LicenseUri   = 'https://github.com/veo31-powershell/Veo31.PowerShell/blob/main/LICENSE'
            ReleaseNotes = 'First release: Connect-Veo, Disconnect-Veo, Get-VeoSession, New-VeoVideo, Get-VeoVideoStatus, Send-VeoImage, Wait-VeoVideo, Save-VeoVideo, Get-VeoVideo.'
        }
    }
}
