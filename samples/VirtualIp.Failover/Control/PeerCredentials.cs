using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace VirtualIp.Failover.Control;

/// <summary>Who is on the other end of a Unix socket: the kernel's SO_PEERCRED (pid, uid, gid at connect time).</summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;   // SOL_SOCKET
    private const int SoPeerCred = 17; // SO_PEERCRED (struct ucred { pid_t pid; uid_t uid; gid_t gid; })

    /// <summary>Reads SO_PEERCRED; false when the socket has none (not AF_UNIX, not Linux).</summary>
    public static bool TryGet(Socket socket, out PeerCredentials credentials)
    {
        Span<byte> ucred = stackalloc byte[12];
        credentials = default;
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != 12)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }

        credentials = new PeerCredentials(BinaryPrimitives.ReadInt32LittleEndian(ucred), BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
        return true;
    }

    /// <summary>"uid=0(root) pid=4242", the form recorded as "by" (the user name from /etc/passwd when it is there).</summary>
    public override string ToString()
    {
        string uid = Uid.ToString(CultureInfo.InvariantCulture);
        string? user = UserName(uid);
        return $"uid={uid}{(user is null ? "" : $"({user})")} pid={Pid.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string? UserName(string uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[2] == uid)
                {
                    return f[0];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
