using System.Text;
using System.Text.RegularExpressions;

namespace Veo31.Emulator;

/// <summary>
/// A Content-Disposition reader of a form part as strict as RFC 7578: the type must be <c>form-data</c>, <c>name</c> is
/// required, every parameter value must be a quoted string, and <c>filename*</c> (or any extended <c>*</c> parameter) is
/// refused (section 4.2: it MUST NOT be used). What curl and browsers send passes; .NET's default form encoding does not.
/// </summary>
internal static partial class StrictMultipart
{
    // An extended parameter (name*=charset'lang'value) outside any quoted string.
    [GeneratedRegex("""^(?:[^"]|"(?:[^"\\]|\\.)*")*?;\s*([A-Za-z0-9!#$%&'+.^_`|~-]+\*)\s*=""", RegexOptions.CultureInvariant)]
    private static partial Regex ExtendedParameter();

    public sealed record Disposition(string Name, string? FileName);

    /// <summary>The part's name and file name, or null with the reason it is refused.</summary>
    public static Disposition? Parse(string? header, out string problem)
    {
        problem = "";
        if (string.IsNullOrWhiteSpace(header))
        {
            problem = "a part has no Content-Disposition";
            return null;
        }
        var text = header.Trim();
        var semicolon = text.IndexOf(';');
        var type = (semicolon < 0 ? text : text[..semicolon]).Trim();
        if (!type.Equals("form-data", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"the Content-Disposition type is '{type}', not form-data";
            return null;
        }
        if (ExtendedParameter().Match(text) is { Success: true } extended)
        {
            problem = $"the part uses '{extended.Groups[1].Value}', which RFC 7578 section 4.2 forbids";
            return null;
        }
        string? name = null, fileName = null;
        var position = semicolon < 0 ? text.Length : semicolon + 1;
        while (position < text.Length)
        {
            var equals = text.IndexOf('=', position);
            if (equals < 0)
            {
                problem = "a Content-Disposition parameter has no value";
                return null;
            }
            var parameter = text[position..equals].Trim();
            position = equals + 1;
            while (position < text.Length && text[position] == ' ') position++;
            if (position >= text.Length || text[position] != '"')
            {
                problem = $"the '{parameter}' parameter is not a quoted string";
                return null;
            }
            var value = ReadQuoted(text, ref position);
            if (value is null)
            {
                problem = $"the '{parameter}' parameter has no closing quote";
                return null;
            }
            while (position < text.Length && text[position] == ' ') position++;
            if (position < text.Length && text[position] != ';')
            {
                problem = $"unexpected text after the '{parameter}' parameter";
                return null;
            }
            position++;
            if (parameter.Equals("name", StringComparison.OrdinalIgnoreCase)) name = value;
            else if (parameter.Equals("filename", StringComparison.OrdinalIgnoreCase)) fileName = value;
        }
        if (name is null)
        {
            problem = "the part has no name parameter";
            return null;
        }
        return new Disposition(name, fileName);
    }

    /// <summary>Reads a quoted string starting at the opening quote (quoted-pairs unescaped); null when unterminated.</summary>
    // Form data quotes as browsers and curl do (HTML's multipart/form-data encoding): a quote inside is sent as %22,
    // and a backslash is an ordinary character, not an escape (a file named x\y.png keeps its backslash).
    private static string? ReadQuoted(string text, ref int position)
    {
        var value = new StringBuilder();
        for (var i = position + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                position = i + 1;
                return value.ToString();
            }
            value.Append(c);
        }
        return null;
    }
}
