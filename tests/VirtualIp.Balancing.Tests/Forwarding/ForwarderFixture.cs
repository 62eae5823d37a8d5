using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Scheduling;

namespace VirtualIp.Balancing.Tests.Forwarding;

internal static class ForwarderFixture
{
    public static ForwarderOptions Options(params string[] backends)
    {
        // Most tests use server-first backends (EchoServer prefix) or expect an at-once close without sending; the
        // first-byte wait (the default) has its own tests in TcpAbuseTests.
        var o = new ForwarderOptions { Listen = "127.0.0.1:0", Name = "test-" + Guid.NewGuid().ToString("N")[..8], TcpWaitForClientData = false };
        foreach (var b in backends)
        {
            o.Backends.Add(new ForwarderBackendOptions { Address = b });
        }

        return o;
    }

    public static async Task<TcpForwarder> StartTcpAsync(ForwarderOptions o, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        var scheduler = new BackendSchedulerFactory().Create(o.Scheduler);
        scheduler.Update(await ForwarderCore.ResolveBackendsAsync(o, CancellationToken.None));
        var f = new TcpForwarder(new ForwarderCore(o, scheduler, time, null, meters));
        f.Start();
        return f;
    }

    /// <summary>Accept loops running now, whichever engine the forwarder runs.</summary>
    public static int RunningLoops(TcpForwarder f) => f.Engine == ForwarderTcpEngine.Epoll ? f.EpollEngine.Running : f.AcceptLoops.Running;

    /// <summary>Accept loop restarts since start, whichever engine the forwarder runs.</summary>
    public static long LoopRestarts(TcpForwarder f) => f.Engine == ForwarderTcpEngine.Epoll ? f.EpollEngine.Restarts : f.AcceptLoops.Restarts;

    /// <summary>Runs <paramref name="hook"/> on every accepted client inside the accept loop (null: none).</summary>
    public static void AfterAccept(TcpForwarder f, Action? hook)
    {
        if (f.Engine == ForwarderTcpEngine.Epoll)
        {
            f.EpollEngine.AfterAccept = hook is null ? null : _ => hook();
        }
        else
        {
            f.AcceptLoops.AfterAccept = hook is null ? null : _ => hook();
        }
    }

    /// <summary>Makes creating the backend socket fail with <paramref name="error"/> (null: normal again).</summary>
    public static void FailBackendSockets(TcpForwarder f, SocketError? error)
    {
        if (f.Engine == ForwarderTcpEngine.Epoll)
        {
            int errno = error switch
            {
                SocketError.TooManyOpenSockets => VirtualIp.Balancing.Interop.Errno.EMFILE,
                SocketError.AddressNotAvailable => VirtualIp.Balancing.Interop.Errno.EADDRNOTAVAIL,
                SocketError.NoBufferSpaceAvailable => VirtualIp.Balancing.Interop.Errno.ENOBUFS,
                null => 0,
                _ => throw new ArgumentOutOfRangeException(nameof(error), error, "no errno mapped"),
            };
            f.EpollEngine.BackendSocketFault = errno == 0 ? null : () => errno;
        }
        else
        {
            f.Connector.SocketFactory = error is SocketError e ? _ => throw new SocketException((int)e) : null;
        }
    }

    public static async Task<UdpForwarder> StartUdpAsync(ForwarderOptions o, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        o.Protocol = ForwarderProtocol.Udp;
        var scheduler = new BackendSchedulerFactory().Create(o.Scheduler);
        scheduler.Update(await ForwarderCore.ResolveBackendsAsync(o, CancellationToken.None));
        var f = new UdpForwarder(new ForwarderCore(o, scheduler, time, null, meters));
        f.Start();
        return f;
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint ep)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(ep, TestContext.Current.CancellationToken);
        return s;
    }

    public static async Task<byte[]> ReceiveExactlyAsync(Socket s, int count)
    {
        var buf = new byte[count];
        int got = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        while (got < count)
        {
            int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new InvalidOperationException($"EOF after {got} of {count} bytes");
            }

            got += n;
        }

        return buf;
    }

    /// <summary>True when the peer closed (EOF or reset) within the time limit.</summary>
    public static async Task<bool> IsClosedAsync(Socket s)
    {
        var buf = new byte[16];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            int n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            return n == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Connects and expects the forwarder to close at once (the reset may even beat the connect completion).</summary>
    public static async Task<bool> IsClosedRightAwayAsync(IPEndPoint ep)
    {
        Socket s;
        try
        {
            s = await ConnectAsync(ep);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }

        using (s)
        {
            return await IsClosedAsync(s);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), $"timed out waiting until {what}");
    }
}
