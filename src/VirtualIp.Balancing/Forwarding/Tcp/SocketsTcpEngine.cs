using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The TCP engine on .NET sockets (any OS): supervised accept loops (<see cref="TcpAcceptLoops"/>), one
/// <see cref="TcpConnection"/> per admitted client with async pumps, backends connected by
/// <see cref="TcpBackendConnector"/>.
/// </summary>
internal sealed class SocketsTcpEngine : ITcpEngine
{
    private readonly TcpForwarder _forwarder;
    private readonly ForwarderCore _core;
    private readonly Func<bool> _abortAtOnce;
    private Socket[] _listeners = [];
    private Task _loops = Task.CompletedTask;

    public SocketsTcpEngine(TcpForwarder forwarder)
    {
        _forwarder = forwarder;
        _core = forwarder.Core;
        Connector = new TcpBackendConnector(_core, forwarder.Stopping);
        AcceptLoops = new TcpAcceptLoops(_core, OnAccepted, forwarder.Stopping);
        _abortAtOnce = () => forwarder.AbortAtOnce;
    }

    public TcpBackendConnector Connector { get; }

    public TcpAcceptLoops AcceptLoops { get; }

    public void Start(Socket[] listeners, int loops)
    {
        _listeners = listeners;
        _loops = AcceptLoops.StartAsync(listeners, loopsPerListener: listeners.Length == 1 ? loops : 1);
    }

    public async Task StopAcceptingAsync()
    {
        foreach (var l in _listeners)
        {
            l.Dispose();
        }

        await _loops.ConfigureAwait(false);
    }

    public void Release()
    {
    }

    private void OnAccepted(Socket client) => _ = HandleAsync(client);

    private async Task HandleAsync(Socket client)
    {
        TcpConnection? conn = null;
        try
        {
            if (client.RemoteEndPoint is not IPEndPoint remote)
            {
                _forwarder.CountRefusal(null, TcpRefusal.Acl);
                ForwarderCore.Abort(client);
                return;
            }

            if (_forwarder.Admit(remote.Address, out int sourceSlot) is not null)
            {
                ForwarderCore.Abort(client);
                return;
            }

            conn = new TcpConnection(_core, client, remote.Address, sourceSlot);
            if (!_forwarder.Track(conn, remote.Address, sourceSlot))
            {
                conn = null;
                ForwarderCore.Abort(client);
                return;
            }

            if (!TcpListeners.AcceptedInheritNoDelay)
            {
                client.NoDelay = true;
            }

            if (await conn.RunAsync(Connector, _abortAtOnce).ConfigureAwait(false) is TcpRefusal refused)
            {
                if (refused == TcpRefusal.NoBackend)
                {
                    ForwarderLog.NoBackend(_core.Logger, remote);
                }

                _forwarder.CountRefusal(remote.Address, refused);
                ForwarderCore.Abort(client);
            }
        }
        catch (Exception ex)
        {
            // Never let a connection's failure go unobserved (it would end nothing else, but must be seen).
            if (ex is not (SocketException or ObjectDisposedException or OperationCanceledException))
            {
                TcpForwarderLog.HandlerFailed(_core.Logger, _core.Options.Name, ex);
            }

            conn?.Abort();
            ForwarderCore.Abort(client);
        }
        finally
        {
            if (conn is not null)
            {
                _forwarder.Finished(conn, conn.SourceSlot);
            }
        }
    }
}
