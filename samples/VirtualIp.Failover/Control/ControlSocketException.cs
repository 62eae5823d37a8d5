namespace VirtualIp.Failover.Control;

/// <summary>The control socket could not be created (path in use, directory not writable); the daemon does not start.</summary>
internal sealed class ControlSocketException(string message, Exception? inner = null) : IOException(message, inner);
