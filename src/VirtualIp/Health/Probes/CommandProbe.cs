using System.Globalization;
using VirtualIp.Processes;

namespace VirtualIp.Health.Probes;

/// <summary>
/// Runs a command through the shell (/bin/sh -c, or cmd /c on Windows); exit code 0 is healthy. On cancellation
/// (timeout) the whole process tree is killed. Output is drained and discarded.
/// </summary>
internal sealed class CommandProbe : IHealthProbe
{
    private static readonly string[] s_exitReasons = CreateExitReasons();
    private readonly string _command;

    public CommandProbe(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        _command = command;
    }

    public string Command => _command;

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        int code;
        try
        {
            code = await ShellCommand.RunAsync(_command, [], cancellationToken).ConfigureAwait(false);
        }
        catch (ShellCommandStartException)
        {
            return ProbeResult.Failure(ProbeReasons.StartFailed);
        }

        return code == 0 ? ProbeResult.Success : ProbeResult.Failure(code is > 0 and < 256 ? s_exitReasons[code] : ProbeReasons.NonZeroExit);
    }

    public override string ToString() => $"exec:{_command}";

    private static string[] CreateExitReasons()
    {
        var reasons = new string[256];
        for (var i = 1; i < reasons.Length; i++)
        {
            reasons[i] = string.Create(CultureInfo.InvariantCulture, $"exit code {i}");
        }

        return reasons;
    }
}
