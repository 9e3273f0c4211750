using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// Dependency isolation (the PSResourceGet pattern). Veo31.Core and the libraries it was built and tested with
    /// (System.Text.Json 8, Polly.Core; Veo31.Storage with Azure.Core and Azure.Storage.Blobs) live in Dependencies/ next to this assembly, and are never found by the
    /// default probing. On PowerShell 7 they load into a private AssemblyLoadContext, so another module that loaded
    /// a different Polly or System.Text.Json first changes nothing for us (and we change nothing for it). On Windows
    /// PowerShell 5.1 (no load contexts) they load with Assembly.LoadFrom when the runtime asks for them.
    /// netstandard2.0 has no AssemblyLoadContext API, so the context is reached by reflection.
    /// </summary>
    internal static class DependencyResolver
    {
        internal const string DependencyFolderName = "Dependencies";
        private const string LoadContextTypeName = "System.Runtime.Loader.AssemblyLoadContext";

        // Loaded privately even when the runtime has its own copy: Core must run on the versions it was tested with,
        // whatever PowerShell or another module has loaded.
        private static readonly HashSet<string> AlwaysPrivate = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Veo31.Core", "System.Text.Json", "Polly.Core",
            // The blob journal: Az.Accounts and Az.Storage ship their own Azure.Core and Azure.Storage.*.
            "Veo31.Storage", "Azure.Core", "Azure.Storage.Blobs", "Azure.Storage.Common", "System.ClientModel", "System.Memory.Data",
        };

        // Provided by the host; a copy in Dependencies/ would be a reference assembly and must never load.
        private static readonly HashSet<string> NeverLoaded = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System.Management.Automation", "Veo31.PowerShell",
        };

        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Assembly> PrivateAssemblies = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
        private static Dictionary<string, string> _dependencyFiles = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private static object? _defaultContext;
        private static EventInfo? _resolvingEvent;
        private static Delegate? _resolvingHandler;
        private static bool _appDomainHooked;

        public static string DependencyFolder =>
            Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? "", DependencyFolderName);

        /// <summary>The private load context on PowerShell 7 (null on Windows PowerShell or before Install).</summary>
        internal static object? PrivateContext { get; private set; }

        public static void Install()
        {
            lock (Gate)
            {
                if (_resolvingHandler != null || _appDomainHooked) return;
                if (PrivateContext != null)
                {
                    // Import-Module -Force after a removal: the context and its assemblies are still loaded, only the hook went.
                    HookDefaultContext(PrivateContext.GetType());
                    return;
                }
                string folder = DependencyFolder;
                if (!Directory.Exists(folder)) return; // a development build: everything sits next to the module assembly
                _dependencyFiles = ListDependencies(folder);

                Type? loadContextType = Type.GetType(LoadContextTypeName, throwOnError: false);
                if (loadContextType != null) InstallLoadContext(loadContextType);
                else
                {
                    AppDomain.CurrentDomain.AssemblyResolve += ResolveWithLoadFrom;
                    _appDomainHooked = true;
                }
            }
        }

        public static void Uninstall()
        {
            lock (Gate)
            {
                if (_resolvingEvent != null && _defaultContext != null && _resolvingHandler != null)
                    _resolvingEvent.RemoveEventHandler(_defaultContext, _resolvingHandler);
                _resolvingHandler = null;
                if (_appDomainHooked) AppDomain.CurrentDomain.AssemblyResolve -= ResolveWithLoadFrom;
                _appDomainHooked = false;
                // The private context cannot be unloaded (types from it may still be referenced); keep it for a re-import.
            }
        }

        private static void InstallLoadContext(Type loadContextType)
        {
            object context = Activator.CreateInstance(loadContextType, "Veo31", false)!;
            MethodInfo loadFromPath = loadContextType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
            Dictionary<string, Version> platform = PlatformAssemblyVersions();

            // Loaded up front: a load context looks in its own loaded assemblies before asking the default context,
            // which is what keeps another module's Polly (already in the default context) away from Core.
            foreach (KeyValuePair<string, string> dependency in _dependencyFiles)
            {
                if (!ShouldLoadPrivately(dependency.Key, dependency.Value, platform)) continue;
                var assembly = (Assembly)loadFromPath.Invoke(context, new object[] { dependency.Value })!;
                PrivateAssemblies[dependency.Key] = assembly;
            }

            PrivateContext = context;
            HookDefaultContext(loadContextType);
        }

        private static void HookDefaultContext(Type loadContextType)
        {
            _defaultContext = loadContextType.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
            _resolvingEvent = loadContextType.GetEvent("Resolving")!;
            // Func<AssemblyLoadContext, AssemblyName, Assembly?> bound to a method taking object: delegate parameter contravariance.
            _resolvingHandler = Delegate.CreateDelegate(_resolvingEvent.EventHandlerType!,
                typeof(DependencyResolver).GetMethod(nameof(ResolveFromPrivateContext), BindingFlags.NonPublic | BindingFlags.Static)!);
            _resolvingEvent.AddEventHandler(_defaultContext, _resolvingHandler);
        }

        /// <summary>Default context's Resolving: only Veo31.PowerShell asks it for Core; the answer comes from the private context.</summary>
        private static Assembly? ResolveFromPrivateContext(object loadContext, AssemblyName name)
        {
            if (name.Name == null) return null;
            lock (Gate)
            {
                return PrivateAssemblies.TryGetValue(name.Name, out Assembly? assembly) ? assembly : null;
            }
        }

        private static Assembly? ResolveWithLoadFrom(object? sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? "";
            if (NeverLoaded.Contains(name) || !_dependencyFiles.TryGetValue(name, out string? path)) return null;
            return Assembly.LoadFrom(path);
        }

        // Support libraries (System.Memory, System.Buffers...) come from the runtime when it has them at the same or a
        // newer version: a netstandard2.0 copy would define a second Span<T> that framework methods do not accept.
        private static bool ShouldLoadPrivately(string name, string path, Dictionary<string, Version> platform)
        {
            if (NeverLoaded.Contains(name)) return false;
            if (AlwaysPrivate.Contains(name)) return true;
            if (!platform.TryGetValue(name, out Version? platformVersion)) return true;
            Version? ours = AssemblyVersionOf(path);
            return ours != null && platformVersion < ours;
        }

        private static Dictionary<string, string> ListDependencies(string folder)
        {
            var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string file in Directory.GetFiles(folder, "*.dll"))
                files[Path.GetFileNameWithoutExtension(file)] = file;
            return files;
        }

        /// <summary>Versions of the runtime's own (trusted platform) assemblies that Dependencies/ also holds.</summary>
        private static Dictionary<string, Version> PlatformAssemblyVersions()
        {
            var versions = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
            if (!(AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)) return versions;
            foreach (string path in list.Split(Path.PathSeparator))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                if (!_dependencyFiles.ContainsKey(name)) continue;
                Version? version = AssemblyVersionOf(path);
                if (version != null) versions[name] = version;
            }
            return versions;
        }

        private static Version? AssemblyVersionOf(string path)
        {
            try
            {
                return AssemblyName.GetAssemblyName(path).Version;
            }
            catch (Exception ex) when (ex is IOException || ex is BadImageFormatException || ex is ArgumentException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
