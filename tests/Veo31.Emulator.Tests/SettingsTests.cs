using System.Net;
using System.Text.Json;

namespace Veo31.Emulator.Tests;

/// <summary>Every row of <see cref="EmulatorSettings.All"/> works the same on the command line, on /_emulator/config and in the docs.</summary>
public class SettingsTests
{
    // Values for settings whose kind gives no obvious sample (free text, lists); the others are derived below.
    private static readonly Dictionary<string, string> TextSamples = new()
    {
        ["urls"] = "http://127.0.0.1:5000",
        ["cdn-urls"] = "http://localhost:5001",
        ["keys"] = "a,b",
        ["faults"] = "generate-video:error5000:0.2;video-status:drop:0.3:4",
        ["proxy-urls"] = "http://127.0.0.1:0",
        ["proxy-require-auth"] = "user:pass",
    };

    // What a sample of a setting needs beside it on the command line.
    private static readonly Dictionary<string, string[]> Companions = new()
    {
        ["proxy-require-auth"] = ["--proxy-urls", "http://127.0.0.1:0"],
    };

    public static TheoryData<string> Flags() => new(EmulatorSettings.All.Select(s => s.Flag));
    public static TheoryData<string> ConfigFlags() => new(EmulatorSettings.All.Where(s => s.ConfigName is not null).Select(s => s.Flag));

    private static EmulatorSetting SettingOf(string flag) => EmulatorSettings.ByFlag(flag) ?? throw new InvalidOperationException(flag);

    /// <summary>A valid value other than the default, as command-line text.</summary>
    private static string SampleOf(EmulatorSetting setting)
    {
        if (TextSamples.TryGetValue(setting.Flag, out var text)) return text;
        var defaultText = setting.TextIn(new EmulatorOptions());
        if (setting.Choices is { } choices) return choices.First(c => c != defaultText);
        if (setting.ValueType == typeof(bool)) return defaultText == "true" ? "false" : "true";
        if (setting.ValueType == typeof(double)) return "0.25";
        if (setting.ValueType == typeof(int) || setting.ValueType == typeof(long) || setting.ValueType == typeof(int?)) return "7";
        throw new InvalidOperationException($"No sample value for --{setting.Flag}: add one to {nameof(TextSamples)}.");
    }

    private static string[] ArgsFor(EmulatorSetting setting, string value) =>
        [.. Companions.GetValueOrDefault(setting.Flag, []), "--" + setting.Flag, value];

    /// <summary>A JSON value as the command line would carry it.</summary>
    private static string TextOf(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>A command-line value as a typed JSON value (a number, true/false or a string).</summary>
    private static string JsonOf(EmulatorSetting setting, string text) =>
        setting.ValueType == typeof(string) ? JsonSerializer.Serialize(text) : text;

    [Fact]
    public void Flags_and_config_names_are_unique_and_every_property_is_declared()
    {
        Assert.Equal(EmulatorSettings.All.Count, EmulatorSettings.All.Select(s => s.Flag).Distinct().Count());
        var names = EmulatorSettings.All.Where(s => s.ConfigName is not null).Select(s => s.ConfigName!.ToLowerInvariant()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        var properties = typeof(EmulatorOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order();
        Assert.Equal(properties, EmulatorSettings.All.Select(s => s.PropertyName).Order());
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Every_setting_round_trips_through_the_command_line(string flag)
    {
        var setting = SettingOf(flag);
        var sample = SampleOf(setting);
        Assert.NotEqual(setting.TextIn(new EmulatorOptions()), sample);

        Assert.Equal(sample, setting.TextIn(EmulatorOptions.Parse(ArgsFor(setting, sample))));
        Assert.Equal(sample, setting.TextIn(EmulatorOptions.Parse([.. Companions.GetValueOrDefault(flag, []), $"--{flag}={sample}"])));
        Assert.Equal(setting.TextIn(new EmulatorOptions()), setting.TextIn(EmulatorOptions.Parse([.. Companions.GetValueOrDefault(flag, [])])));
    }

    [Theory]
    [MemberData(nameof(ConfigFlags))]
    public async Task Every_run_time_setting_round_trips_through_the_control_endpoint(string flag)
    {
        var setting = SettingOf(flag);
        var sample = SampleOf(setting);
        await using var emu = await TestEmulator.StartAsync();
        var before = await emu.ControlGetAsync("config");
        Assert.Equal(setting.TextIn(new EmulatorOptions { JobSeconds = 1 }), TextOf(before.GetProperty(setting.ConfigName!)));

        var response = await emu.ControlPostAsync("config", $$"""{"{{setting.ConfigName}}":{{JsonOf(setting, sample)}}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answered = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(sample, TextOf(answered.GetProperty(setting.ConfigName!)));
        Assert.Equal(sample, TextOf((await emu.ControlGetAsync("config")).GetProperty(setting.ConfigName!)));
        Assert.Equal(sample, setting.TextIn(emu.Server.GetConfig()));
        // The patch changed that setting only.
        foreach (var other in EmulatorSettings.All.Where(s => s != setting))
            Assert.Equal(other.TextIn(EmulatorOptions.Parse(["--job-seconds", "1"])), other.TextIn(emu.Server.GetConfig()));

        // A string value is read as the command line reads it, whatever the JSON type.
        var asString = await emu.ControlPostAsync("config", $$"""{"{{setting.ConfigName}}":{{JsonSerializer.Serialize(setting.TextIn(new EmulatorOptions()))}}}""");
        Assert.Equal(HttpStatusCode.OK, asString.StatusCode);
        Assert.Equal(setting.TextIn(new EmulatorOptions()), setting.TextIn(emu.Server.GetConfig()));
    }

    [Fact]
    public void A_bare_boolean_flag_means_true_and_other_bare_flags_need_a_value()
    {
        foreach (var setting in EmulatorSettings.All)
        {
            if (setting.ValueType == typeof(bool))
            {
                Assert.Equal("true", setting.TextIn(EmulatorOptions.Parse(["--" + setting.Flag])));
                Assert.Equal("true", setting.TextIn(EmulatorOptions.Parse(["--" + setting.Flag, "--seed", "1"])));
            }
            else
            {
                var e = Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--" + setting.Flag]));
                Assert.Equal($"{setting.Label} needs a value.", e.Message);
            }
        }
    }

    [Fact]
    public async Task Get_config_lists_exactly_the_run_time_settings()
    {
        await using var emu = await TestEmulator.StartAsync();
        var names = (await emu.ControlGetAsync("config")).EnumerateObject().Select(p => p.Name);
        Assert.Equal(EmulatorSettings.All.Where(s => s.ConfigName is not null).Select(s => s.ConfigName), names);
    }

    [Theory]
    [MemberData(nameof(ConfigFlags))]
    public async Task Bad_values_are_refused_with_the_same_message_on_both_paths(string flag)
    {
        var setting = SettingOf(flag);
        var other = EmulatorSettings.All.First(s => s.ConfigName is not null && s != setting);
        await using var emu = await TestEmulator.StartAsync();
        var otherBefore = other.TextIn(emu.Server.GetConfig());
        var refused = 0;
        foreach (var bad in new[] { "not-a-value", "-1", "0", "1e999", "99999999999999999999" })
        {
            string cliMessage;
            try
            {
                EmulatorOptions.Parse(ArgsFor(setting, bad));
                continue;
            }
            catch (ArgumentException e)
            {
                cliMessage = e.Message;
            }
            refused++;
            Assert.Contains("--" + flag, cliMessage);
            var asText = await emu.ControlPostAsync("config", $$"""{"{{other.ConfigName}}":{{JsonOf(other, SampleOf(other))}},"{{setting.ConfigName}}":{{JsonSerializer.Serialize(bad)}}}""");
            Assert.Equal(HttpStatusCode.BadRequest, asText.StatusCode);
            Assert.Equal(cliMessage, JsonDocument.Parse(await asText.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
            if (double.TryParse(bad, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                var asNumber = await emu.ControlPostAsync("config", $$"""{"{{setting.ConfigName}}":{{bad}}}""");
                Assert.Equal(HttpStatusCode.BadRequest, asNumber.StatusCode);
                Assert.Equal(cliMessage, JsonDocument.Parse(await asNumber.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
            }
            // A refused patch changes nothing, not even its valid members.
            Assert.Equal(otherBefore, other.TextIn(emu.Server.GetConfig()));
            var inProcess = Assert.Throws<ArgumentException>(() => emu.Server.UpdateConfig(c => setting.Apply(c, bad)));
            Assert.Equal(cliMessage, inProcess.Message);
        }
        Assert.True(refused > 0, $"no bad value was refused for --{flag}");
    }

    [Fact]
    public async Task Start_only_settings_and_unknown_names_cannot_change_at_run_time()
    {
        await using var emu = await TestEmulator.StartAsync();
        var keys = Assert.Throws<ArgumentException>(() => emu.Server.UpdateConfig(c => c.Keys.Add("another")));
        Assert.Equal("--keys cannot change while the emulator runs.", keys.Message);
        Assert.Throws<ArgumentException>(() => emu.Server.UpdateConfig(c => c.Urls = "http://127.0.0.1:1"));
        Assert.Equal(new[] { emu.Server.ApiKey }, emu.Server.GetConfig().Keys);

        foreach (var body in new[] { """{"keys":"a"}""", """{"jobSecs":1}""", """[1]""", """{"rateLimit":[1]}""" })
        {
            var response = await emu.ControlPostAsync("config", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        var unknown = await emu.ControlPostAsync("config", """{"jobSecs":1}""");
        Assert.Contains("jobSeconds", await unknown.Content.ReadAsStringAsync());

        // Names match in any case and null members stay as they are, as before.
        Assert.Equal(HttpStatusCode.OK, (await emu.ControlPostAsync("config", """{"RateLimit":4,"retryAfter":null}""")).StatusCode);
        Assert.Equal((4, 1), (emu.Server.GetConfig().RateLimit, emu.Server.GetConfig().RetryAfter));
        Assert.Equal(HttpStatusCode.OK, (await emu.ControlPostAsync("config", "null")).StatusCode);
    }

    [Fact]
    public async Task GetConfig_and_UpdateConfig_hand_out_copies()
    {
        await using var emu = await TestEmulator.StartAsync();
        emu.Server.GetConfig().MaxPromptLength = 3;
        emu.Server.UpdateConfig(c => c.RetryAfter = 2).MaxPromptLength = 3;
        Assert.Equal(2000, (await emu.ControlGetAsync("config")).GetProperty("maxPromptLength").GetInt32());
        (await emu.GenerateAsync(new { generationType = "text_to_video", prompt = "longer than three" })).AssertEnvelope(0, HttpStatusCode.OK);
    }

    [Fact]
    public void The_docs_options_table_matches_the_declarations()
    {
        const string Begin = "<!-- options-table:begin";
        const string End = "<!-- options-table:end -->";
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "emulator.md")).ReplaceLineEndings("\n");
        var start = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/emulator.md has no {Begin} ... {End} block");
        var block = doc[(doc.IndexOf('\n', start) + 1)..end];
        var expected = EmulatorSettings.OptionsTable();
        Assert.True(block == expected,
            "docs/emulator.md's options table differs from EmulatorSettings.All; replace it with the output of " +
            "`dotnet run --project src/Veo31.Emulator -- --print-options-table`:\n" + expected);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "emulator.md"))) return dir.FullName;
        throw new InvalidOperationException("docs/emulator.md not found above " + AppContext.BaseDirectory);
    }
}
