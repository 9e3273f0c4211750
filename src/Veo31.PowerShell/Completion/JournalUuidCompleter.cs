using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Veo31.Core.Journal;
using Veo31.PowerShell.Infrastructure;

namespace Veo31.PowerShell.Completion
{
    /// <summary>Completes -Uuid from the most recent jobs in the journal, newest first, with the prompt as tooltip.</summary>
    public sealed class JournalUuidCompleter : IArgumentCompleter
    {
        private const int MaxResults = 50;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            IReadOnlyList<JournalEntry> entries;
            try
            {
                JobJournal journal = VeoSessionState.Current?.Journal ?? JournalLocation.ForCompletion(CurrentLocation());
                entries = journal.ReadAll();
            }
            catch (Exception)
            {
                // Completion must never throw into the user's prompt.
                return Array.Empty<CompletionResult>();
            }
            return entries
                .Where(e => e.Uuid.Length > 0 && e.Uuid.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(e => e.Submitted)
                .Take(MaxResults)
                .Select(e => new CompletionResult(Quote(e.Uuid), e.Uuid, CompletionResultType.ParameterValue, Tooltip(e)))
                .ToList();
        }

        // Completion runs inside the user's pipeline, where SessionStateProxy.Path refuses to answer; a nested
        // Get-Location in the same runspace does.
        private static string? CurrentLocation()
        {
            try
            {
                using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                PathInfo? location = shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault();
                return location?.Provider.Name == "FileSystem" ? location.ProviderPath : null;
            }
            catch (Exception ex) when (ex is PSInvalidOperationException || ex is InvalidOperationException || ex is RuntimeException)
            {
                return null;
            }
        }

        private static string Tooltip(JournalEntry entry)
        {
            string prompt = entry.Prompt ?? "";
            prompt = Core.Text.ServerText.Shorten(prompt, 80);
            return entry.LastStatus + " - " + prompt;
        }

        private static string Quote(string uuid)
            => uuid.Any(c => !(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) ? "'" + uuid.Replace("'", "''") + "'" : uuid;
    }
}
