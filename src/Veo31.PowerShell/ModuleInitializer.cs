using System.Management.Automation;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell
{
    /// <summary>Runs when Import-Module loads the module: makes Dependencies/ resolvable without clashing with other modules.</summary>
    public sealed class VeoModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport() => DependencyResolver.Install();

        public void OnRemove(PSModuleInfo module) => DependencyResolver.Uninstall();
    }
}
