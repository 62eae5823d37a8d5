using SharpFuzz;
using VirtualIp.Fuzz;

// VirtualIp.Fuzz TARGET                 AFL++ persistent mode (run under afl-fuzz by eng/fuzz/run.sh, instrumented copy)
// VirtualIp.Fuzz TARGET FILE|DIR...     replays inputs once each (crash reproduction, corpus check); exit 1 on a crash
// VirtualIp.Fuzz capture-netlink DIR    writes the kernel's answers to address/link dumps and a failing request
// VirtualIp.Fuzz list                   prints the target names
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: VirtualIp.Fuzz TARGET [FILE|DIR...] | capture-netlink DIR | list");
    Console.Error.WriteLine("targets: " + string.Join(' ', FuzzTargets.Names));
    return 2;
}

if (args[0] == "list")
{
    Console.WriteLine(string.Join('\n', FuzzTargets.Names));
    return 0;
}

if (args[0] == "capture-netlink")
{
    return NetlinkCapture.Run(args.Length > 1 ? args[1] : ".");
}

if (!FuzzTargets.TryGet(args[0], out var target))
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(' ', FuzzTargets.Names)}");
    return 2;
}

if (args.Length > 1)
{
    return Replay.Run(target, args[1..]);
}

// eng/fuzz/run.sh --selftest proves that an exception is reported as a crash: with this variable set, inputs longer
// than the seed "crash" throw.
bool selfTest = Environment.GetEnvironmentVariable("VIRTUALIP_FUZZ_SELFTEST") == "1";
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    var input = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
    if (selfTest && input.Length > 5 && input.StartsWith("crash"u8))
    {
        throw new InvalidOperationException("fuzz self-test crash");
    }

    target(input);
});
return 0;
