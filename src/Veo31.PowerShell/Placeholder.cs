namespace Veo31.PowerShell { internal static class Placeholder { } }
