using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Veo31.Core.Validation;

namespace Veo31.PowerShell.Completion
{
    /// <summary>Completes -AspectRatio with the ratios the API accepts (checked per item, so a blank CSV cell means auto).</summary>
    public sealed class AspectRatioCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return GenerateRequestRules.AspectRatios
                .Where(r => r.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult("'" + r + "'", r, CompletionResultType.ParameterValue, r));
        }
    }
}
