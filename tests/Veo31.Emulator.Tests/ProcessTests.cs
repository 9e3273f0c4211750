using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Veo31.Emulator.Tests;

/// <summary>The command-line emulator, started as a child process with <c>dotnet Veo31.Emulator.dll</c>.</summary>
public class ProcessTests
{
    private static string EmulatorDll
    {
        get
        {
            var next = Path.Combine(AppContext.BaseDirectory, "Veo31.Emulator.dll");
            Assert.True(File.Exists(next), $"missing {next}");
            return next;
        }
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(EmulatorDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    private static async Task<string> ReadLineAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException("stdout closed: " + await process.StandardError.ReadToEndAsync());
    }

    /// <summary>SIGTERM first, so the child deletes its upload folder; SIGKILL if it does not go.</summary>
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
    }

    [Fact]
    public async Task Prints_the_three_lines_and_serves_the_api()
    {
        using var process = Start("--urls", "http://127.0.0.1:0", "--keys", "k-one,k-two", "--credits", "2");
        try
        {
            var api = await ReadLineAsync(process);
            var cdn = await ReadLineAsync(process);
            var key = await ReadLineAsync(process);
            Assert.Matches(new Regex(@"^VEO_EMULATOR_API=http://127\.0\.0\.1:\d+/api$"), api);
            Assert.Matches(new Regex(@"^VEO_EMULATOR_CDN=http://127\.0\.0\.1:\d+$"), cdn);
            Assert.Equal("VEO_EMULATOR_KEY=k-one", key);
            Assert.NotEqual(api.Split(':')[2].Split('/')[0], cdn.Split(':')[2]);

            using var http = new HttpClient();
            var request = new HttpRequestMessage(HttpMethod.Post, api["VEO_EMULATOR_API=".Length..] + "/generate-video")
            {
                Content = new StringContent("""{"generationType":"text_to_video","prompt":"from the child"}"""),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "k-two");
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("{\"code\":0,\"msg\":\"Success\",\"data\":{", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await StopAsync(process);
        }
    }

    [Fact]
    public async Task Sigterm_stops_it_cleanly()
    {
        using var process = Start();
        try
        {
            await ReadLineAsync(process);
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]);
            await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Parent_pid_stops_it_when_that_process_exits()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "1.5") { UseShellExecute = false })!;
        using var process = Start("--parent-pid", parent.Id.ToString());
        try
        {
            await ReadLineAsync(process);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(parent.HasExited);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            if (!parent.HasExited) parent.Kill();
        }
    }

    [Fact]
    public async Task Refuses_a_non_loopback_host()
    {
        using var process = Start("--urls", "http://0.0.0.0:0");
        try
        {
            var stderr = await process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(2, process.ExitCode);
            Assert.Contains("loopback", stderr);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Print_options_table_prints_the_declared_table_and_exits()
    {
        using var process = Start("--print-options-table");
        try
        {
            var stdout = await process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal(EmulatorSettings.OptionsTable(), stdout.ReplaceLineEndings("\n"));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_bad_value_exits_2_with_the_settings_message()
    {
        using var process = Start("--rate-limit-status", "-1");
        try
        {
            var stderr = await process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(2, process.ExitCode);
            Assert.Equal("veo31-emulator: --rate-limit-status (rateLimitStatus) must not be negative (got '-1').", stderr.Trim());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Proxy_urls_adds_a_fourth_line_with_a_working_proxy()
    {
        using var process = Start("--proxy-urls", "http://127.0.0.1:0");
        try
        {
            var api = (await ReadLineAsync(process))["VEO_EMULATOR_API=".Length..];
            await ReadLineAsync(process);
            await ReadLineAsync(process);
            var proxyLine = await ReadLineAsync(process);
            Assert.Matches(new Regex(@"^VEO_EMULATOR_PROXY=http://127\.0\.0\.1:\d+$"), proxyLine);

            using var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxyLine["VEO_EMULATOR_PROXY=".Length..]), UseProxy = true });
            var control = api[..^"/api".Length] + "/_emulator/stats";
            await http.GetStringAsync(control);
            // The proxy records a request once the target has answered it, so the first one shows in the second answer.
            var stats = await http.GetStringAsync(control);
            Assert.Contains($"\"url\":\"{control}\"", stats);
        }
        finally
        {
            await StopAsync(process);
        }
    }
}
