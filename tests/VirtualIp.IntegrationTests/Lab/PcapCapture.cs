using System.Buffers.Binary;
using System.Diagnostics;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>A running tcpdump writing a pcap file (test-only).</summary>
internal sealed class PcapCapture : IDisposable
{
    private readonly Process _process;
    private readonly string _file;
    private readonly Task<string> _stderr;
    private int _stopped;

    private PcapCapture(Process process, string file, Task<string> stderr)
    {
        _process = process;
        _file = file;
        _stderr = stderr;
    }

    /// <summary>Starts tcpdump in <paramref name="ns"/> on <paramref name="iface"/> and waits until it is listening.</summary>
    public static async Task<PcapCapture> StartAsync(string ns, string iface, string filter, CancellationToken ct)
    {
        string file = Path.Combine(Path.GetTempPath(), $"vip-{ns}-{Guid.NewGuid():N}.pcap");
        var psi = new ProcessStartInfo(TestingTools.Resolve("ip"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", iface, "--immediate-mode", "-U", "-n", "-w", file })
        {
            psi.ArgumentList.Add(a);
        }

        if (!string.IsNullOrWhiteSpace(filter))
        {
            psi.ArgumentList.Add(filter);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("tcpdump did not start");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var err = new System.Text.StringBuilder();
        var stderr = Task.Run(async () =>
        {
            while (await p.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                lock (err)
                {
                    err.AppendLine(line);
                }

                if (line.Contains("listening on", StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }
            }

            listening.TrySetException(new InvalidOperationException("tcpdump exited: " + err));
            return err.ToString();
        }, CancellationToken.None);
        var capture = new PcapCapture(p, file, stderr);
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        }
        catch
        {
            capture.Dispose();
            throw;
        }

        return capture;
    }

    /// <summary>Stops tcpdump (SIGINT, so it flushes) and returns the captured frames.</summary>
    public async Task<IReadOnlyList<byte[]>> StopAsync()
    {
        Stop();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _stderr.ConfigureAwait(false);
        return ReadPcap(await File.ReadAllBytesAsync(_file).ConfigureAwait(false));
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0 && !_process.HasExited)
        {
            LabInterop.Kill(_process.Id, LabInterop.SIGINT);
        }
    }

    /// <summary>Reads the frames of a classic pcap file (either byte order, micro- or nanosecond).</summary>
    public static IReadOnlyList<byte[]> ReadPcap(ReadOnlySpan<byte> pcap)
    {
        var frames = new List<byte[]>();
        if (pcap.Length < 24)
        {
            return frames;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(pcap);
        bool le = magic is 0xa1b2c3d4 or 0xa1b23c4d;
        int pos = 24;
        while (pos + 16 <= pcap.Length)
        {
            var h = pcap.Slice(pos, 16);
            int incl = (int)(le ? BinaryPrimitives.ReadUInt32LittleEndian(h[8..]) : BinaryPrimitives.ReadUInt32BigEndian(h[8..]));
            pos += 16;
            if (incl < 0 || pos + incl > pcap.Length)
            {
                break;
            }

            frames.Add(pcap.Slice(pos, incl).ToArray());
            pos += incl;
        }

        return frames;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Stop();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            File.Delete(_file);
        }
        catch (IOException)
        {
        }
    }
}
