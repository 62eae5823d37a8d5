using System.Globalization;

namespace VirtualIp.Health.Load;

/// <summary>One validated <see cref="LoadTrackOptions"/>, immutable: what the hosting layer starts a <see cref="LoadTrackInput"/> from.</summary>
internal sealed record LoadTrack(string Router, LoadSource Source, LoadScope Scope, string? Forwarder, double High, double Low, int Weight,
    TimeSpan HoldTime, TimeSpan SampleInterval, int Samples)
{
    /// <summary>Snapshots options that validation accepted.</summary>
    public static LoadTrack From(LoadTrackOptions o) =>
        new(o.Router, o.Source, o.Scope, o.Source == LoadSource.Connections ? o.Forwarder : null, o.High, o.Low, o.Weight, o.HoldTime, o.SampleInterval, o.Samples);

    /// <summary>The tracked item's name in reasons and logs, e.g. "load CpuPressure/Process" or "load Connections/web".</summary>
    public string Name => Source switch
    {
        LoadSource.CpuPressure => $"load CpuPressure/{Scope}",
        LoadSource.Connections => $"load Connections/{Forwarder}",
        _ => $"load {Source}",
    };

    /// <summary>The reading's unit, for reasons.</summary>
    public string Format(double value) => Source switch
    {
        LoadSource.CpuPressure => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} %"),
        LoadSource.LoadAverage => string.Create(CultureInfo.InvariantCulture, $"{value:0.00} per CPU"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0}"),
    };

    /// <summary>The problems of <paramref name="o"/>, each named with <paramref name="path"/> (its configuration key).</summary>
    public static void Validate(LoadTrackOptions? o, string path, Func<string, bool> routerExists, List<string> errors)
    {
        if (o is null)
        {
            errors.Add($"{path} is null.");
            return;
        }

        var c = CultureInfo.InvariantCulture;
        if (!routerExists(o.Router))
        {
            errors.Add($"{path}:Router = '{o.Router}' is not a configured router.");
        }

        if (!Enum.IsDefined(o.Source))
        {
            errors.Add($"{path}:Source = {o.Source} is not one of {string.Join(", ", Enum.GetNames<LoadSource>())}.");
        }

        if (!Enum.IsDefined(o.Scope))
        {
            errors.Add($"{path}:Scope = {o.Scope} is not one of {string.Join(", ", Enum.GetNames<LoadScope>())}.");
        }

        if (o.Source == LoadSource.Connections && string.IsNullOrWhiteSpace(o.Forwarder))
        {
            errors.Add($"{path}:Forwarder is required with Source Connections (the forwarder's name).");
        }

        if (!double.IsFinite(o.Low) || o.Low < 0)
        {
            errors.Add(string.Create(c, $"{path}:Low = {o.Low} must be 0 or more."));
        }

        if (!double.IsFinite(o.High) || o.High <= o.Low)
        {
            errors.Add(string.Create(c, $"{path}:High = {o.High} must be greater than Low ({o.Low}): the band between them is the hysteresis."));
        }

        if (o.Weight is < -253 or > 253 or 0)
        {
            errors.Add(string.Create(c, $"{path}:Weight = {o.Weight} must be -253 to 253 and not 0 (a loaded node moves its priority; it does not fault)."));
        }

        if (o.HoldTime < TimeSpan.Zero || o.HoldTime > TimeSpan.FromHours(1))
        {
            errors.Add(string.Create(c, $"{path}:HoldTime = {o.HoldTime} is out of range 0..1h."));
        }

        if (o.SampleInterval < TimeSpan.FromMilliseconds(100) || o.SampleInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add(string.Create(c, $"{path}:SampleInterval = {o.SampleInterval} is out of range 100ms..10m."));
        }

        if (o.Samples is < 1 or > 100)
        {
            errors.Add(string.Create(c, $"{path}:Samples = {o.Samples} is out of range 1..100."));
        }
    }
}
