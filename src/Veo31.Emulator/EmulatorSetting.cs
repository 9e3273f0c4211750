using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;

namespace Veo31.Emulator;

/// <summary>
/// One row of <see cref="EmulatorSettings.All"/>: an <see cref="EmulatorOptions"/> property with its command-line flag,
/// its name in <c>/_emulator/config</c> (null when it cannot change at run time), its check and its help text.
/// </summary>
public abstract class EmulatorSetting
{
    private protected EmulatorSetting(string flag, string? configName, string help, string? shownDefault)
    {
        Flag = flag;
        ConfigName = configName;
        Help = help;
        ShownDefaultOverride = shownDefault;
    }

    /// <summary>The command-line name without its dashes, e.g. <c>rate-limit</c>.</summary>
    public string Flag { get; }
    /// <summary>The name in <c>GET</c>/<c>POST /_emulator/config</c>, e.g. <c>rateLimit</c>; null = set at start only.</summary>
    public string? ConfigName { get; }
    public string Help { get; }
    private protected string? ShownDefaultOverride { get; }

    /// <summary>How messages name the setting, the same on the command line and the control endpoint.</summary>
    public string Label => ConfigName is null ? "--" + Flag : $"--{Flag} ({ConfigName})";

    /// <summary>The default as docs/emulator.md shows it, e.g. <c>`1000`</c> or <c>none</c>.</summary>
    public abstract string ShownDefault { get; }
    /// <summary>The values it accepts when it is a choice of words, else null.</summary>
    public abstract IReadOnlyList<string>? Choices { get; }
    /// <summary>The <see cref="EmulatorOptions"/> property that holds the value.</summary>
    public abstract string PropertyName { get; }
    /// <summary>The property's type, e.g. <see cref="int"/>.</summary>
    public abstract Type ValueType { get; }

    /// <summary>The value in <paramref name="options"/> as command-line text (what <see cref="Apply"/> reads back).</summary>
    public abstract string TextIn(EmulatorOptions options);
    /// <summary>The value in <paramref name="options"/> as JSON writes it.</summary>
    public abstract object? ValueIn(EmulatorOptions options);

    /// <summary>Parses <paramref name="text"/> (null = a bare flag) into <paramref name="options"/>; range checks come in <see cref="Check"/>.</summary>
    /// <exception cref="ArgumentException">Text of the wrong form, e.g. a word for a number.</exception>
    public abstract void Apply(EmulatorOptions options, string? text);
    /// <exception cref="ArgumentException">The value in <paramref name="options"/> is out of range.</exception>
    public abstract void Check(EmulatorOptions options);
    internal abstract bool SameIn(EmulatorOptions a, EmulatorOptions b);

    /// <summary>A JSON value of a config patch as the text the command line would carry.</summary>
    /// <exception cref="ArgumentException">An object or array.</exception>
    internal string TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new ArgumentException($"{Label} expects a single value (got {value.GetRawText()})."),
    };
}

/// <summary>How one type of setting is read from text, written back and described ("a whole number").</summary>
internal sealed record SettingKind<T>(Func<string, T> Parse, Func<T, string> Format, string Expects);

internal sealed class EmulatorSetting<T> : EmulatorSetting
{
    private readonly PropertyInfo _property;
    private readonly SettingKind<T> _kind;
    private readonly Func<T, string?>? _problem;

    public EmulatorSetting(Expression<Func<EmulatorOptions, T>> property, string flag, string? configName, SettingKind<T> kind,
        string help, Func<T, string?>? problem, IReadOnlyList<string>? choices, string? shownDefault)
        : base(flag, configName, help, shownDefault)
    {
        _property = (property.Body as MemberExpression)?.Member as PropertyInfo
            ?? throw new ArgumentException("A setting is declared by a property of EmulatorOptions.", nameof(property));
        _kind = kind;
        _problem = problem;
        Choices = choices;
    }

    public override IReadOnlyList<string>? Choices { get; }
    public override string PropertyName => _property.Name;
    public override Type ValueType => typeof(T);
    public override string ShownDefault => ShownDefaultOverride ?? $"`{_kind.Format(Get(new EmulatorOptions()))}`";

    private T Get(EmulatorOptions options) => (T)_property.GetValue(options)!;

    public override string TextIn(EmulatorOptions options) => _kind.Format(Get(options));
    public override object? ValueIn(EmulatorOptions options) => Get(options);

    public override void Apply(EmulatorOptions options, string? text)
    {
        if (text is null)
        {
            // A bare boolean flag (--errors-http200) means true.
            if (typeof(T) != typeof(bool)) throw new ArgumentException($"{Label} needs a value.");
            text = "true";
        }
        T value;
        try
        {
            value = _kind.Parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{Label} expects {_kind.Expects} (got '{text}').");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Label}: {e.Message}", e);
        }
        _property.SetValue(options, value);
    }

    public override void Check(EmulatorOptions options)
    {
        var value = Get(options);
        string? problem;
        try
        {
            problem = _problem?.Invoke(value);
        }
        catch (ArgumentException e)
        {
            // A check that delegates to a type's own validation (FaultRule.Validate) reports its message as is.
            throw new ArgumentException($"{Label}: {e.Message}", e);
        }
        if (problem is not null) throw new ArgumentException($"{Label} {problem} (got '{_kind.Format(value)}').");
    }

    internal override bool SameIn(EmulatorOptions a, EmulatorOptions b) => _kind.Format(Get(a)) == _kind.Format(Get(b));
}

/// <summary>The kinds of value settings hold.</summary>
internal static class SettingKinds
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static readonly SettingKind<string> Text = new(s => s, s => s, "text");
    public static readonly SettingKind<string?> OptionalText = new(s => s, s => s ?? "", "text");
    public static readonly SettingKind<bool> Bool = new(bool.Parse, b => b ? "true" : "false", "true or false");
    public static readonly SettingKind<int> Int = new(s => int.Parse(s, NumberStyles.Integer, Invariant), n => n.ToString(Invariant), "a whole number");
    public static readonly SettingKind<int?> OptionalInt = new(s => int.Parse(s, NumberStyles.Integer, Invariant), n => n?.ToString(Invariant) ?? "", "a whole number");
    public static readonly SettingKind<long> Long = new(s => long.Parse(s, NumberStyles.Integer, Invariant), n => n.ToString(Invariant), "a whole number");
    public static readonly SettingKind<double> Double = new(s => double.Parse(s, NumberStyles.Float, Invariant), d => d.ToString(Invariant), "a number");

    public static readonly SettingKind<IList<string>> CommaList = new(
        s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        list => string.Join(",", list), "a comma-separated list");

    public static readonly SettingKind<IList<FaultRule>> FaultList = new(
        s => FaultRule.ParseList(s).ToList(), rules => string.Join(";", rules), "fault rules endpoint:kind:rate[:count[:value]] separated by ;");
}
