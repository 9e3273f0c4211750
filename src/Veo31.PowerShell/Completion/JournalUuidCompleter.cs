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
                var runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
                entries = JournalLocation.ForReading(runspace?.SessionStateProxy.Path, VeoSessionState.Current).ReadAll();
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

        private static string Tooltip(JournalEntry entry)
        {
            string prompt = entry.Prompt ?? "";
            if (prompt.Length > 80) prompt = prompt.Substring(0, 77) + "...";
            return entry.LastStatus + " - " + prompt;
        }

        private static string Quote(string uuid)
            => uuid.Any(c => !(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) ? "'" + uuid.Replace("'", "''") + "'" : uuid;
    }
}
