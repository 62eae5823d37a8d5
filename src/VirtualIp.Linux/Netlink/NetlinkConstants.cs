namespace VirtualIp.Linux.Netlink;

/// <summary>rtnetlink constants (linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h, linux/if_link.h).</summary>
internal static class Nl
{
    // Sizes
    internal const int HeaderLength = 16;     // nlmsghdr
    internal const int IfAddrMsgLength = 8;   // ifaddrmsg
    internal const int IfInfoMsgLength = 16;  // ifinfomsg
    internal const int AttrHeaderLength = 4;  // rtattr / nlattr

    // Message types
    internal const ushort NLMSG_NOOP = 1;
    internal const ushort NLMSG_ERROR = 2;
    internal const ushort NLMSG_DONE = 3;
    internal const ushort NLMSG_OVERRUN = 4;
    internal const ushort RTM_NEWLINK = 16;
    internal const ushort RTM_DELLINK = 17;
    internal const ushort RTM_GETLINK = 18;
    internal const ushort RTM_NEWADDR = 20;
    internal const ushort RTM_DELADDR = 21;
    internal const ushort RTM_GETADDR = 22;

    // Header flags
    internal const ushort NLM_F_REQUEST = 0x1;
    internal const ushort NLM_F_MULTI = 0x2;
    internal const ushort NLM_F_ACK = 0x4;
    internal const ushort NLM_F_REPLACE = 0x100;
    internal const ushort NLM_F_EXCL = 0x200;
    internal const ushort NLM_F_CREATE = 0x400;
    internal const ushort NLM_F_DUMP = 0x300;
    internal const ushort NLM_F_CAPPED = 0x100;   // on NLMSG_ERROR: the request was capped to its header
    internal const ushort NLM_F_ACK_TLVS = 0x200; // on NLMSG_ERROR: extended-ack TLVs follow

    // nlmsgerr attributes
    internal const ushort NLMSGERR_ATTR_MSG = 1;
    internal const ushort NLMSGERR_ATTR_OFFS = 2;

    // Socket options (SOL_NETLINK)
    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_ADD_MEMBERSHIP = 1;
    internal const int NETLINK_DROP_MEMBERSHIP = 2;
    internal const int NETLINK_CAP_ACK = 10;
    internal const int NETLINK_EXT_ACK = 11;
    internal const int NETLINK_GET_STRICT_CHK = 12;

    // Multicast groups (numbers for NETLINK_ADD_MEMBERSHIP)
    internal const int RTNLGRP_LINK = 1;
    internal const int RTNLGRP_IPV4_IFADDR = 5;
    internal const int RTNLGRP_IPV6_IFADDR = 9;

    // Address families
    internal const byte AF_UNSPEC = 0;
    internal const byte AF_INET = 2;
    internal const byte AF_INET6 = 10;

    // IFA_* attributes
    internal const ushort IFA_ADDRESS = 1;
    internal const ushort IFA_LOCAL = 2;
    internal const ushort IFA_LABEL = 3;
    internal const ushort IFA_BROADCAST = 4;
    internal const ushort IFA_ANYCAST = 5;
    internal const ushort IFA_CACHEINFO = 6;
    internal const ushort IFA_MULTICAST = 7;
    internal const ushort IFA_FLAGS = 8;
    internal const ushort IFA_RT_PRIORITY = 9;
    internal const ushort IFA_TARGET_NETNSID = 10;
    internal const ushort IFA_PROTO = 11;

    // IFA_F_* flags
    internal const uint IFA_F_SECONDARY = 0x01;
    internal const uint IFA_F_NODAD = 0x02;
    internal const uint IFA_F_OPTIMISTIC = 0x04;
    internal const uint IFA_F_DADFAILED = 0x08;
    internal const uint IFA_F_HOMEADDRESS = 0x10;
    internal const uint IFA_F_DEPRECATED = 0x20;
    internal const uint IFA_F_TENTATIVE = 0x40;
    internal const uint IFA_F_PERMANENT = 0x80;
    internal const uint IFA_F_MANAGETEMPADDR = 0x100;
    internal const uint IFA_F_NOPREFIXROUTE = 0x200;

    // Scopes
    internal const byte RT_SCOPE_UNIVERSE = 0;
    internal const byte RT_SCOPE_SITE = 200;
    internal const byte RT_SCOPE_LINK = 253;
    internal const byte RT_SCOPE_HOST = 254;

    // IFLA_* attributes
    internal const ushort IFLA_ADDRESS = 1;
    internal const ushort IFLA_BROADCAST = 2;
    internal const ushort IFLA_IFNAME = 3;
    internal const ushort IFLA_MTU = 4;
    internal const ushort IFLA_LINK = 5;
    internal const ushort IFLA_OPERSTATE = 16;
    internal const ushort IFLA_LINKINFO = 18;
    internal const ushort IFLA_IFALIAS = 20;
    internal const ushort IFLA_AF_SPEC = 26;
    internal const ushort IFLA_EXT_MASK = 29;

    // Nested under IFLA_LINKINFO / IFLA_INFO_DATA (macvlan) / IFLA_AF_SPEC
    internal const ushort IFLA_INFO_KIND = 1;
    internal const ushort IFLA_INFO_DATA = 2;
    internal const ushort IFLA_MACVLAN_MODE = 1;
    internal const uint MACVLAN_MODE_PRIVATE = 1;
    internal const ushort IFLA_INET_CONF = 1;
    internal const ushort IFLA_INET6_ADDR_GEN_MODE = 8;
    internal const byte IN6_ADDR_GEN_MODE_NONE = 1;

    // IPV4_DEVCONF_* (linux/ip.h): attribute types inside IFLA_INET_CONF, 1-based indexes of its dump array
    internal const ushort IPV4_DEVCONF_RP_FILTER = 8;
    internal const ushort IPV4_DEVCONF_ARPFILTER = 13;
    internal const ushort IPV4_DEVCONF_ARP_IGNORE = 19;
    internal const ushort IPV4_DEVCONF_PROMOTE_SECONDARIES = 20;
    internal const ushort IPV4_DEVCONF_ACCEPT_LOCAL = 23;

    // Attribute type flags (linux/netlink.h)
    internal const ushort NLA_F_NESTED = 0x8000;
    internal const ushort NLA_TYPE_MASK = 0x3FFF;

    // IF_OPER_*
    internal const byte IF_OPER_UNKNOWN = 0;
    internal const byte IF_OPER_DOWN = 2;
    internal const byte IF_OPER_UP = 6;

    // Interface flags (net/if.h)
    internal const uint IFF_UP = 0x1;
    internal const uint IFF_LOOPBACK = 0x8;
    internal const uint IFF_RUNNING = 0x40;
    internal const uint IFF_LOWER_UP = 0x10000;

    /// <summary>Interface names are at most IFNAMSIZ-1 = 15 bytes.</summary>
    internal const int MaxInterfaceNameLength = 15;

    /// <summary>Rounds up to the 4-byte netlink alignment.</summary>
    internal static int Align(int length) => (length + 3) & ~3;
}
