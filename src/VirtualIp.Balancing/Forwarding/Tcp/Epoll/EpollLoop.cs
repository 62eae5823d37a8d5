using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using VirtualIp.Balancing.Interop;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// One event-loop thread of the epoll engine: its own epoll instance, its own SO_REUSEPORT listener, an eventfd for
/// commands from other threads (aborts, timeouts, stop), and the connections it accepted. Everything a connection does
/// (accept, admission, backend connect, relay, close) runs inline on this thread, so connection state needs no locks.
/// Edge-triggered: each socket is added once (no epoll_ctl MOD per read or write); handlers read until EAGAIN or a
/// short read. Supervised: an unexpected failure is logged, counted (<c>loop_restarts</c>, <c>loop</c> = <c>accept</c>)
/// and the loop runs again after a back-off (10 ms doubling to 1 s on <see cref="TimeProvider"/>).
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const int MaxEvents = 256;
    private const ulong ListenerToken = 2;
    private const ulong WakeToken = 3;
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(1);

    private readonly EpollTcpEngine _engine;
    private readonly ForwarderCore _core;
    private readonly int _index;
    private readonly int _listener;
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly TaskCompletionSource _acceptStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<EpollConnection> _connections = [];
    private readonly Stack<EpollConnection> _free = new();
    private readonly byte* _events;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private int _signaled;
    private bool _accepting = true;
    private bool _quit;
    private bool _closed;

    public EpollLoop(EpollTcpEngine engine, int index, int listenerFd)
    {
        _engine = engine;
        _core = engine.Core;
        _index = index;
        _listener = listenerFd;
        Scratch = GC.AllocateUninitializedArray<byte>(_core.Options.BufferSize, pinned: true);
        _epoll = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw LinuxErrorException.Last("epoll_create1", "Out of file descriptors or memory (EMFILE/ENFILE/ENOMEM): raise the process's open-file limit.");
        }

        _wake = LibC.EventFd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (_wake < 0 || LibC.EpollAdd(_epoll, _wake, LibC.EPOLLIN, WakeToken) < 0
            || LibC.EpollAdd(_epoll, _listener, LibC.EPOLLIN | LibC.EPOLLET, ListenerToken) < 0)
        {
            var ex = LinuxErrorException.Last("eventfd/epoll_ctl", "Out of file descriptors or epoll watches (fs.epoll.max_user_watches).");
            CloseHandles();
            throw ex;
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LibC.EpollEventSize));
        _thread = new Thread(Run) { IsBackground = true, Name = $"vip-epoll-{index}" };
    }

    /// <summary>The loop's relay buffer: every read lands here and is sent on at once (pinned for the loop's life).</summary>
    public byte[] Scratch { get; }

    /// <summary>The loop's epoll descriptor.</summary>
    public int Epoll => _epoll;

    public ForwarderCore Core => _core;

    public EpollTcpEngine Engine => _engine;

    /// <summary>Completes once this loop no longer accepts (its listener is out of its epoll set).</summary>
    public Task AcceptStopped => _acceptStopped.Task;

    public void Start() => _thread.Start();

    /// <summary>Frees the handles of a loop that was never started (the engine's start failed part way).</summary>
    public void CloseUnstarted()
    {
        CloseHandles();
        NativeMemory.Free(_events);
    }

    /// <summary>Queues a command for the loop thread and wakes it (any thread).</summary>
    public void Post(CommandKind kind, EpollConnection? connection = null, uint generation = 0, Backend? backend = null)
    {
        _commands.Enqueue(new Command(kind, connection, generation, backend));
        if (Interlocked.CompareExchange(ref _signaled, 1, 0) == 0)
        {
            // Under the lock CloseHandles takes: a late post never writes to a closed (maybe reused) descriptor.
            lock (_commands)
            {
                if (!_closed)
                {
                    ulong one = 1;
                    _ = LibC.Write(_wake, &one, sizeof(ulong));
                }
            }
        }
    }

    private void Run()
    {
        var backoff = s_firstBackoff;
        Interlocked.Increment(ref _engine.RunningLoops);
        try
        {
            while (!_quit)
            {
                try
                {
                    if (_accepting)
                    {
                        AcceptAll(); // edge-triggered: connections queued while the loop was down need no new edge
                    }

                    Poll();
                }
                catch (Exception ex) when (!_quit)
                {
                    long n = Interlocked.Increment(ref _engine.RestartCount);
                    _core.Metrics.LoopRestarted("accept");
                    TcpForwarderLog.AcceptLoopRestarting(_core.Logger, _core.Options.Name, _index, n, backoff, ex);
                    Wait(backoff);
                    backoff = backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _engine.RunningLoops);
            foreach (var c in _connections)
            {
                c.ResetAndEnd();
            }

            _acceptStopped.TrySetResult();
            CloseHandles();
            NativeMemory.Free(_events);
        }
    }

    private void Poll()
    {
        int size = LibC.EpollEventSize;
        int dataOffset = LibC.EpollDataOffset;
        while (!_quit)
        {
            int n = LibC.EpollWait(_epoll, _events, MaxEvents, -1);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw new LinuxErrorException("epoll_wait", errno, "The loop's epoll descriptor is unusable.");
            }

            for (int i = 0; i < n; i++)
            {
                byte* e = _events + (i * size);
                Dispatch(*(uint*)e, *(ulong*)(e + dataOffset));
            }
        }
    }

    private void Dispatch(uint events, ulong token)
    {
        switch (token)
        {
            case ListenerToken:
                if (_accepting)
                {
                    AcceptAll();
                }

                return;
            case WakeToken:
                RunCommands();
                return;
        }

        int index = (int)((uint)token >> 2);
        var c = _connections[index];
        if (c.Generation != (uint)(token >> 32))
        {
            return; // an event of an earlier connection in this object's slot
        }

        try
        {
            c.OnEvent(server: (token & 1) != 0, events);
        }
        catch (Exception ex)
        {
            TcpForwarderLog.HandlerFailed(_core.Logger, _core.Options.Name, ex);
            c.ResetAndEnd();
        }
    }

    private void RunCommands()
    {
        Volatile.Write(ref _signaled, 0);
        ulong value;
        _ = LibC.Read(_wake, &value, sizeof(ulong));
        while (_commands.TryDequeue(out var cmd))
        {
            switch (cmd.Kind)
            {
                case CommandKind.Check when cmd.Connection!.Generation == cmd.Generation:
                    cmd.Connection.OnCheck();
                    break;
                case CommandKind.AbortIfBackend when cmd.Connection!.Generation == cmd.Generation && ReferenceEquals(cmd.Connection.Backend, cmd.Backend):
                    cmd.Connection.Abort();
                    break;
                case CommandKind.RetryAccept when _accepting:
                    AcceptAll();
                    break;
                case CommandKind.StopAccepting:
                    StopAccepting();
                    break;
                case CommandKind.Quit:
                    StopAccepting();
                    _quit = true;
                    break;
            }
        }
    }

    private void StopAccepting()
    {
        if (_accepting)
        {
            _accepting = false;
            _ = LibC.EpollCtl(_epoll, LibC.EPOLL_CTL_DEL, _listener, null);
        }

        _acceptStopped.TrySetResult();
    }

    private void Wait(TimeSpan delay)
    {
        using var done = new ManualResetEventSlim();
        using var timer = _core.Time.CreateTimer(static o => ((ManualResetEventSlim)o!).Set(), done, delay, Timeout.InfiniteTimeSpan);
        while (!done.Wait(50) && !_quit && _engine.Forwarder.Stopping.IsCancellationRequested is false)
        {
        }
    }

    private void CloseHandles()
    {
        lock (_commands)
        {
            _closed = true;
        }

        _retryTimer?.Dispose();
        if (_wake >= 0)
        {
            _ = LibC.Close(_wake);
        }

        if (_epoll >= 0)
        {
            _ = LibC.Close(_epoll);
        }
    }

    /// <summary>A connection object for a new client: a pooled one, else a new one (steady state allocates none).</summary>
    private EpollConnection Rent()
    {
        if (_free.TryPop(out var c))
        {
            return c;
        }

        c = new EpollConnection(this, _connections.Count);
        _connections.Add(c);
        return c;
    }

    /// <summary>Takes back a connection that ended (called by it, on this thread).</summary>
    public void Return(EpollConnection connection) => _free.Push(connection);

    /// <summary>What another thread asks the loop to do.</summary>
    public enum CommandKind
    {
        /// <summary>A connection was flagged (abort or timeout): act on its flags.</summary>
        Check,

        /// <summary>Reset a connection if it is still the same connection (generation) on the same backend (a drain).</summary>
        AbortIfBackend,

        /// <summary>Accept again (after a back-off for out-of-descriptors).</summary>
        RetryAccept,

        /// <summary>Take the listener out of the set.</summary>
        StopAccepting,

        /// <summary>End the thread (resetting whatever connections remain).</summary>
        Quit,
    }

    private readonly record struct Command(CommandKind Kind, EpollConnection? Connection, uint Generation, Backend? Backend);
}
