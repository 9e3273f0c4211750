using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Journal;
using Veo31.PowerShell.Infrastructure;
using Veo31.Storage;

namespace Veo31.PowerShell.Commands
{
    /// <summary>Connects to the Veo 3.1 API and makes the session current in this runspace. Never prompts.</summary>
    [Cmdlet(VerbsCommunications.Connect, "Veo", DefaultParameterSetName = EnvironmentSet)]
    [OutputType(typeof(VeoSession))]
    public sealed class ConnectVeoCommand : VeoCommandBase
    {
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";
        private const string EnvironmentSet = "Environment";
        internal const string ApiKeyVariable = "VEO_API_KEY";
        internal const string BaseUriVariable = "VEO_BASE_URI";

        /// <summary>The API key. Without -ApiKey or -Credential the key is read from $env:VEO_API_KEY. Surrounding white space is
        /// removed; a key with control or non-ASCII characters is refused (InvalidApiKey).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ApiKeySet, Position = 0)]
        [ValidateNotNull]
        public SecureString ApiKey { get; set; } = null!;

        /// <summary>A credential whose password is the API key (the user name is ignored), e.g. from Get-AutomationPSCredential.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [ValidateNotNull]
        [Credential]
        public PSCredential Credential { get; set; } = null!;

        /// <summary>The API base; default $env:VEO_BASE_URI, else https://veo3o1.com/api. Plain http only to loopback hosts.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUri { get; set; }

        /// <summary>Limit in seconds on one HTTP attempt.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>Retries after the first attempt for calls that may be retried safely (reads and uploads).</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxRetryCount { get; set; } = 3;

        /// <summary>An explicit HTTP proxy; without it the environment (HTTPS_PROXY, NO_PROXY) or system setting is used.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>The job journal: a file path, or an Azure append blob's https URL (its query may carry a SAS), or
        /// 'container/blob' with -StorageConnectionString. Default $env:VEO_JOURNAL, else a file under the local application data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>Most generations this session may start (accepted or with a lost answer); the next is refused with
        /// QuotaExceeded before anything is sent. Reused videos (New-VeoVideo -Reuse) cost nothing and do not count.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxGenerations { get; set; } = -1;

        /// <summary>Most generations in any 24 hours, counted from the job journal, so it holds across runs and processes
        /// sharing the journal; default $env:VEO_MAX_GENERATIONS_PER_DAY, else no cap.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxGenerationsPerDay { get; set; } = -1;

        /// <summary>A storage account connection string for a journal in Azure Blob Storage (e.g. from an Automation encrypted variable).</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? StorageConnectionString { get; set; }

        /// <summary>An Azure Storage access token (Get-AzAccessToken -ResourceUrl https://storage.azure.com/ -AsSecureString).Token.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? StorageAccessToken { get; set; }

        /// <summary>A credential whose password is an Azure Storage access token (the user name is ignored), e.g. a credential asset.</summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? StorageCredential { get; set; }

        /// <summary>Writes the new session to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void End()
        {
            SecureString key = ResolveApiKey();
            Uri baseUri = ResolveBaseUri();
            var options = new VeoClientOptions
            {
                BaseUri = baseUri,
                MaxRetryCount = MaxRetryCount,
                AttemptTimeout = TimeSpan.FromSeconds(TimeoutSec),
                Proxy = CreateProxy(),
            };

            VeoSession session;
            try
            {
                SpendingLimits limits = ResolveLimits();
                StorageAuth storage = ResolveStorageAuth();
                JobJournal journal = JournalLocation.Open(SessionState.Path, JournalPath, storage, options.AttemptTimeout, options.Proxy);
                var client = new VeoClient(options, key);
                session = new VeoSession(client, journal, limits, storage);
            }
            catch (VeoException ex)
            {
                ThrowTerminatingError(VeoErrorRecords.FromCore(ex, BaseUri));
                return;
            }
            finally
            {
                if (ParameterSetName == EnvironmentSet) key.Dispose();
            }

            // The replaced session closes only if nobody else can be using it (see VeoSession.Retire).
            VeoSessionState.Replace(session)?.Retire();
            WriteVerbose("Connected to " + session.BaseUri + "; job journal " + session.JournalPath + ".");
            if (PassThru)
            {
                session.MarkHandedOut();
                WriteObject(session);
            }
        }

        private SecureString ResolveApiKey()
        {
            if (ParameterSetName == ApiKeySet) return ApiKey;
            if (ParameterSetName == CredentialSet) return Credential.Password;
            string? fromEnvironment = Environment.GetEnvironmentVariable(ApiKeyVariable);
            if (string.IsNullOrEmpty(fromEnvironment))
            {
                ThrowTerminatingError(VeoErrorRecords.Create(VeoErrorRecords.ApiKeyMissing,
                    "No API key: pass -ApiKey or -Credential, or set $env:" + ApiKeyVariable + ". Connect-Veo never prompts.", null));
            }
            var key = new SecureString();
            foreach (char c in fromEnvironment!) key.AppendChar(c);
            key.MakeReadOnly();
            return key;
        }

        private Uri ResolveBaseUri()
        {
            if (BaseUri != null) return BaseUri;
            string? fromEnvironment = Environment.GetEnvironmentVariable(BaseUriVariable);
            if (string.IsNullOrWhiteSpace(fromEnvironment)) return VeoClientOptions.DefaultBaseUri;
            if (!Uri.TryCreate(fromEnvironment!.Trim(), UriKind.Absolute, out Uri? uri))
            {
                ThrowTerminatingError(VeoErrorRecords.Create(nameof(VeoErrorKind.InvalidParameters),
                    "$env:" + BaseUriVariable + " is not an absolute URI.", fromEnvironment));
            }
            return uri!;
        }

        private SpendingLimits ResolveLimits()
        {
            int? perSession = MyInvocation.BoundParameters.ContainsKey(nameof(MaxGenerations)) ? MaxGenerations : (int?)null;
            int? perDay = MyInvocation.BoundParameters.ContainsKey(nameof(MaxGenerationsPerDay))
                ? MaxGenerationsPerDay
                : SpendingLimits.DailyLimitFromEnvironment();
            return new SpendingLimits(perSession, perDay);
        }


        private StorageAuth ResolveStorageAuth()
        {
            int given = (StorageConnectionString != null ? 1 : 0) + (StorageAccessToken != null ? 1 : 0) + (StorageCredential != null ? 1 : 0);
            if (given > 1)
            {
                ThrowTerminatingError(VeoErrorRecords.Create(nameof(VeoErrorKind.InvalidParameters),
                    "Give one storage credential: -StorageConnectionString, -StorageAccessToken or -StorageCredential.", null));
            }
            if (StorageConnectionString != null) return StorageAuth.FromConnectionString(StorageConnectionString);
            if (StorageAccessToken != null) return StorageAuth.FromAccessToken(StorageAccessToken);
            if (StorageCredential != null) return StorageAuth.FromAccessToken(StorageCredential.Password);
            return StorageAuth.None;
        }

        private static readonly string[] ProxySchemes = { "http", "https", "socks4", "socks4a", "socks5" };

        private IWebProxy? CreateProxy()
        {
            if (Proxy == null) return null;
            // Checked here, not by the first call: a proxy HttpClient cannot use would fail every later command.
            if (!Proxy.IsAbsoluteUri || Array.IndexOf(ProxySchemes, Proxy.Scheme) < 0 || string.IsNullOrEmpty(Proxy.Host))
                throw new VeoException(VeoErrorKind.InvalidParameters,
                    "The proxy '" + Proxy.OriginalString + "' is not an absolute http, https or socks URI such as http://proxy.example:3128.");
            var proxy = new WebProxy(Proxy);
            if (ProxyCredential != null) proxy.Credentials = ProxyCredential.GetNetworkCredential();
            return proxy;
        }
    }
}
