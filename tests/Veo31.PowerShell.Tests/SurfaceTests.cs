using System.Collections;
using System.Management.Automation;
using System.Reflection;
using Xunit;

namespace Veo31.PowerShell.Tests;

/// <summary>What users and other modules see of the assembly: no dependency types, every cmdlet exported and typed.</summary>
public sealed class SurfaceTests
{
    private static readonly Assembly Module = typeof(VeoCmdlet).Assembly;

    private static IEnumerable<Type> CmdletTypes => Module.GetExportedTypes().Where(t => t.GetCustomAttribute<CmdletAttribute>() != null);

    [Fact]
    public void No_public_signature_mentions_System_Text_Json_Polly_or_Core()
    {
        var offenders = new List<string>();
        foreach (Type type in Module.GetExportedTypes())
        {
            var used = new List<Type?> { type.BaseType };
            used.AddRange(type.GetInterfaces());
            const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            used.AddRange(type.GetProperties(visible).Select(p => p.PropertyType));
            used.AddRange(type.GetFields(visible).Select(f => f.FieldType));
            foreach (MethodBase method in type.GetMethods(visible).Cast<MethodBase>().Concat(type.GetConstructors()))
            {
                used.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo m) used.Add(m.ReturnType);
            }
            foreach (Type? t in used)
            {
                string? assembly = t?.Assembly.GetName().Name;
                if (assembly is "System.Text.Json" or "Polly.Core" or "Veo31.Core") offenders.Add(type.Name + " uses " + t);
            }
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_of_the_assembly_and_nothing_else()
    {
        string manifest = Path.Combine(Path.GetDirectoryName(VeoShell.FixturesPath)!, "..", "Veo31.psd1");
        var ast = System.Management.Automation.Language.Parser.ParseFile(manifest, out _, out var parseErrors);
        Assert.Empty(parseErrors);
        var table = (System.Management.Automation.Language.HashtableAst)ast.Find(a => a is System.Management.Automation.Language.HashtableAst, false)!;
        var data = (Hashtable)table.SafeGetValue();

        var exported = ((object[])data["CmdletsToExport"]!).Cast<string>().OrderBy(n => n);
        var defined = CmdletTypes.Select(t => t.GetCustomAttribute<CmdletAttribute>()!).Select(a => a.VerbName + "-" + a.NounName).OrderBy(n => n);
        Assert.Equal(defined, exported);
        Assert.Empty((object[])data["FunctionsToExport"]!);
        Assert.Empty((object[])data["AliasesToExport"]!);
        Assert.Empty((object[])data["VariablesToExport"]!);
        Assert.Equal("Veo31.PowerShell.dll", data["RootModule"]);
        Assert.Equal(new[] { "Veo31.Format.ps1xml" }, ((object[])data["FormatsToProcess"]!).Cast<string>());
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_declares_its_output_type()
    {
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.NotEmpty(approved);
        foreach (Type type in CmdletTypes)
        {
            Assert.Contains(type.GetCustomAttribute<CmdletAttribute>()!.VerbName, approved);
            Assert.NotEmpty(type.GetCustomAttributes<OutputTypeAttribute>());
        }
    }

    [Fact]
    public void Every_cmdlet_stands_behind_the_one_guard_and_can_release_what_it_holds()
    {
        Assert.NotEmpty(CmdletTypes);
        foreach (Type type in CmdletTypes) Assert.True(typeof(VeoCommandBase).IsAssignableFrom(type), type.Name + " bypasses the guard");
        MethodInfo dispose = typeof(VeoCommandBase).GetMethod("Dispose", BindingFlags.NonPublic | BindingFlags.Instance, null, new[] { typeof(bool) }, null)!;
        Assert.True(dispose.IsVirtual && dispose.IsFamily, "Dispose(bool) must be protected virtual");
        // Wait-VeoVideo holds cancellation sources of its own: it must release them.
        MethodInfo waitDispose = typeof(Veo31.PowerShell.Commands.WaitVeoVideoCommand).GetMethod("Dispose", BindingFlags.NonPublic | BindingFlags.Instance, null, new[] { typeof(bool) }, null)!;
        Assert.Equal(typeof(Veo31.PowerShell.Commands.WaitVeoVideoCommand), waitDispose.DeclaringType);
    }

    [Fact]
    public void Commands_that_spend_credits_or_write_files_support_WhatIf()
    {
        foreach (string noun in new[] { "VeoVideo" })
        {
            var newVideo = CmdletTypes.Single(t => t.GetCustomAttribute<CmdletAttribute>() is { VerbName: "New" } a && a.NounName == noun);
            var attribute = newVideo.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(attribute.SupportsShouldProcess);
            Assert.Equal(ConfirmImpact.Medium, attribute.ConfirmImpact);
        }
        Assert.True(CmdletTypes.Single(t => t.Name == "SendVeoImageCommand").GetCustomAttribute<CmdletAttribute>()!.SupportsShouldProcess);
        Assert.True(CmdletTypes.Single(t => t.Name == "SaveVeoVideoCommand").GetCustomAttribute<CmdletAttribute>()!.SupportsShouldProcess);
    }

    [Fact]
    public void The_module_build_output_carries_no_System_Management_Automation()
    {
        // The test runs from bin/<Configuration>/net10.0; the module project builds to bin/<Configuration>/netstandard2.0.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string moduleOutput = Path.Combine(Path.GetDirectoryName(VeoShell.FixturesPath)!, "..", "src", "Veo31.PowerShell", "bin", configuration, "netstandard2.0");
        Assert.True(File.Exists(Path.Combine(moduleOutput, "Veo31.PowerShell.dll")), moduleOutput);
        Assert.False(File.Exists(Path.Combine(moduleOutput, "System.Management.Automation.dll")));
        Assert.True(File.Exists(Path.Combine(moduleOutput, "Veo31.Format.ps1xml")));
    }
}
