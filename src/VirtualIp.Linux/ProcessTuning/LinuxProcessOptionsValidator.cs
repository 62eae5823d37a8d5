using System.Globalization;
using Microsoft.Extensions.Options;

namespace VirtualIp.Linux.ProcessTuning;

/// <summary>Checks <see cref="LinuxProcessOptions"/> when the host starts; each failure names the property and the value.</summary>
internal sealed class LinuxProcessOptionsValidator : IValidateOptions<LinuxProcessOptions>
{
    private static readonly TimeSpan MinQuietPeriod = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxQuietPeriod = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, LinuxProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RealtimePriority is < 0 or > LinuxProcessOptions.MaxRealtimePriority)
        {
            return ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"LinuxProcessOptions.RealtimePriority = {options.RealtimePriority} is out of range 0..{LinuxProcessOptions.MaxRealtimePriority} (SCHED_RR priority; 0 = leave the scheduling alone)."));
        }

        return options.PageOutQuietPeriod < MinQuietPeriod || options.PageOutQuietPeriod > MaxQuietPeriod
            ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"LinuxProcessOptions.PageOutQuietPeriod = {options.PageOutQuietPeriod} is out of range {MinQuietPeriod}..{MaxQuietPeriod}."))
            : ValidateOptionsResult.Success;
    }
}
