using System.Text;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The rtnetlink reader on one received datagram: messages, then by type the address, link and error parsers
/// (with the extended-ack text decoded as the client does), and the attribute walker on every payload.
/// Input: the datagram. Seeds: real kernel answers captured by <c>VirtualIp.Fuzz capture-netlink</c> in a namespace.
/// </summary>
internal static class NetlinkTarget
{
    public static void Run(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var message))
        {
            switch (message.Type)
            {
                case Nl.RTM_NEWADDR or Nl.RTM_DELADDR:
                    _ = NetlinkMessages.TryParseAddress(message.Payload, out _, out _);
                    break;
                case Nl.RTM_NEWLINK or Nl.RTM_DELLINK:
                    _ = NetlinkMessages.TryReadLinkIndex(message.Payload, out _, out _);
                    _ = NetlinkMessages.TryParseLink(message.Payload, out _);
                    break;
                case Nl.NLMSG_ERROR:
                    if (NetlinkError.TryParse(message, out var error) && !error.ExtAckMessage.IsEmpty)
                    {
                        _ = Encoding.UTF8.GetString(error.ExtAckMessage);
                    }

                    break;
            }

            var attributes = new NetlinkAttributeReader(message.Payload);
            while (attributes.TryRead(out _, out _))
            {
            }
        }
    }
}
