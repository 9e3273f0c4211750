using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Security;
using Veo31.Emulator;
using Xunit;

// The tests share one emulator and its per-key credits and stats, so they must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Veo31.PowerShell.Tests;

/// <summary>One emulator for the whole run; tests steer job length with [seconds=N] prompt markers.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync(new EmulatorOptions { JobSeconds = 0.5, Credits = 100_000 });
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulator";
}

/// <summary>
/// The one base of every test class that talks to the emulator: a shell connected to it, and no injected fault left
/// over from another test, before or after each test. Derived classes carry [Collection(EmulatorCollection.Name)].
/// </summary>
public abstract class EmulatorTest : IDisposable
{
    protected EmulatorTest(EmulatorFixture emulator)
    {
        Emulator = emulator;
        Emulator.Server.ClearFaults();
        Shell = new VeoShell();
        Shell.Connect(Emulator.Server);
    }

    protected EmulatorFixture Emulator { get; }

    protected VeoShell Shell { get; }

    public void Dispose()
    {
        Emulator.Server.ClearFaults();
        Shell.Dispose();
    }
}

/// <summary>A runspace with the module's cmdlets and formats, connected to nothing until a test says so.</summary>
public sealed class VeoShell : IDisposable
{
    private readonly Runspace _runspace;

    public VeoShell()
    {
        var state = InitialSessionState.CreateDefault2();
        AddCmdlets(state, typeof(VeoCmdlet).Assembly);
        foreach (Assembly builtIn in PowerShellHome.CommandAssemblies) AddCmdlets(state, builtIn);
        string formats = Path.Combine(AppContext.BaseDirectory, "Veo31.Format.ps1xml");
        state.Formats.Add(new SessionStateFormatEntry(formats));
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        TempFolder = Directory.CreateTempSubdirectory("veo31-pstest-").FullName;
        JournalPath = Path.Combine(TempFolder, "journal.jsonl");
    }

    private static void AddCmdlets(InitialSessionState state, Assembly assembly)
    {
        foreach (Type type in assembly.GetExportedTypes())
        {
            var attribute = type.GetCustomAttribute<CmdletAttribute>();
            if (attribute != null)
                state.Commands.Add(new SessionStateCmdletEntry(attribute.VerbName + "-" + attribute.NounName, type, null));
        }
    }

    public string TempFolder { get; }
    public string JournalPath { get; }

    public static string FixturesPath
    {
        get
        {
            string? folder = AppContext.BaseDirectory;
            while (folder != null && !Directory.Exists(Path.Combine(folder, "tests", "Fixtures"))) folder = Path.GetDirectoryName(folder);
            return Path.Combine(folder ?? throw new InvalidOperationException("tests/Fixtures not found"), "tests", "Fixtures");
        }
    }

    public Runspace Runspace => _runspace;

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    /// <summary>Connect-Veo to the emulator with this shell's own journal; returns the session.</summary>
    public VeoSession Connect(EmulatorServer server)
    {
        SetVariable("ConnectKey", Secure(server.ApiKey));
        SetVariable("ConnectUri", server.ApiBaseUri);
        SetVariable("JournalPath", JournalPath);
        var result = Run("Connect-Veo -BaseUri $ConnectUri -ApiKey $ConnectKey -MaxRetryCount 0 -TimeoutSec 10 -JournalPath $JournalPath -PassThru");
        result.ThrowIfFailed();
        return (VeoSession)result.Output.Single().BaseObject;
    }

    public ShellResult Run(string script)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript(script);
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
            output = new Collection<PSObject>();
        }
        return new ShellResult(output, shell.Streams.Error.ToList(), terminating);
    }

    public void Dispose()
    {
        try { Run("Disconnect-Veo -ErrorAction SilentlyContinue"); } catch (Exception) { }
        _runspace.Dispose();
        try { Directory.Delete(TempFolder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The built-in cmdlets (Get-ChildItem, Join-Path, Format-List, ConvertTo-Json...) are not in the
/// System.Management.Automation package; they come from the pwsh local tool of the same version in the NuGet cache.
/// </summary>
public static class PowerShellHome
{
    private static readonly Lazy<IReadOnlyList<Assembly>> Loaded = new(Load);

    public static IReadOnlyList<Assembly> CommandAssemblies => Loaded.Value;

    public static string Folder
    {
        get
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string version = typeof(PSObject).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+', ' ')[0];
            string platform = OperatingSystem.IsWindows() ? "win" : "unix";
            string folder = Path.Combine(packages, "powershell", version, "tools", "net10.0", "any", platform);
            if (!Directory.Exists(folder))
                throw new InvalidOperationException("The pwsh " + version + " local tool is not restored at " + folder + "; run 'dotnet tool restore'.");
            return folder;
        }
    }

    private static IReadOnlyList<Assembly> Load()
    {
        string folder = Folder;
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            string candidate = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
        return new[] { "Microsoft.PowerShell.Commands.Management", "Microsoft.PowerShell.Commands.Utility" }
            .Select(name => System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(folder, name + ".dll")))
            .ToList();
    }
}

public sealed record ShellResult(
    Collection<PSObject> Output,
    List<ErrorRecord> Errors,
    RuntimeException? Terminating)
{
    public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

    public void ThrowIfFailed()
    {
        if (Terminating != null) throw new Xunit.Sdk.XunitException("Script failed: " + Terminating.Message);
        if (Errors.Count > 0) throw new Xunit.Sdk.XunitException("Script wrote errors: " + string.Join("; ", Errors.Select(e => e.FullyQualifiedErrorId + " " + e.Exception.Message)));
    }
}
