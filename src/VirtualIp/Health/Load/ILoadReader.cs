namespace VirtualIp.Health.Load;

/// <summary>Reads one load figure (a <see cref="LoadSource"/>); called by one sampler at a time.</summary>
internal interface ILoadReader
{
    /// <summary>Reads the figure now; false when there is none (file missing or unreadable, first sample of a rate, forwarder not running).</summary>
    bool TryRead(out double value);
}
