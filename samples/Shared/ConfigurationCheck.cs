using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VirtualIp.Samples;

/// <summary>
/// Runs the validation a host would run at start (every option registered with <c>ValidateOnStart</c>) before the
/// host starts, so a configuration error is printed as one clean line per error, each naming its key, instead of the
/// host's "Hosting failed to start" log with a stack trace.
/// </summary>
internal static class ConfigurationCheck
{
    /// <summary>The exit code of a configuration error: EX_CONFIG from sysexits.h (systemd shows it as "CONFIG").</summary>
    public const int ExitCode = 78;

    /// <summary>True when every option validates; otherwise writes each failure as "error: KEY = VALUE ..." and returns false.</summary>
    public static bool Validate(IServiceProvider services, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException ex)
        {
            Write(ex, error);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            foreach (var e in ex.InnerExceptions)
            {
                Write((OptionsValidationException)e, error);
            }
        }

        return false;
    }

    private static void Write(OptionsValidationException ex, TextWriter error)
    {
        foreach (var failure in ex.Failures)
        {
            error.WriteLine($"error: {failure.TrimEnd('.')}");
        }
    }
}
