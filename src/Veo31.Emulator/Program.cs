using System.Runtime.InteropServices;
using Veo31.Emulator;

if (args is ["--print-options-table"])
{
    // The options table of docs/emulator.md; OptionsTableTests fails when the doc differs.
    Console.Out.Write(EmulatorSettings.OptionsTable());
    return 0;
}

EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("veo31-emulator: " + e.Message);
    return 2;
}

// Registered before the address lines are printed: a parent may signal as soon as it has read them.
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});

await using var server = await EmulatorServer.StartAsync(options);
foreach (var line in server.AnnouncementLines) Console.Out.WriteLine(line);
Console.Out.Flush();

if (options.ParentProcessId is int parentId) _ = StopWhenParentExitsAsync(parentId, stop);
await stop.Task;
return 0;

// Test runs pass --parent-pid so an emulator never outlives the process that started it, even if that one is killed.
static async Task StopWhenParentExitsAsync(int parentId, TaskCompletionSource stop)
{
    try
    {
        using var parent = System.Diagnostics.Process.GetProcessById(parentId);
        await parent.WaitForExitAsync();
    }
    catch (ArgumentException)
    {
        // The parent is already gone.
    }
    stop.TrySetResult();
}
