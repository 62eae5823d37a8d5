using System.Globalization;
using Microsoft.Extensions.Options;

namespace VirtualIp.Linux.ProcessTuning;

/// <summary>Checks <see cref="LinuxProcessOptions"/> when the host starts; each failure names the property and the value.</summary>
internal sealed class LinuxProcessOptionsValidator : IValidateOptions<LinuxProcessOptions>
{
    public ValidateOptionsResult Validate(string? name, LinuxProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RealtimePriority is < 0 or > LinuxProcessOptions.MaxRealtimePriority
            ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"LinuxProcessOptions.RealtimePriority = {options.RealtimePriority} is out of range 0..{LinuxProcessOptions.MaxRealtimePriority} (SCHED_RR priority; 0 = leave the scheduling alone)."))
            : ValidateOptionsResult.Success;
    }
}
