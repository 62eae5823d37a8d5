using System.Buffers.Binary;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Builds the classic BPF program attached to the raw VRRP socket (SO_ATTACH_FILTER): the kernel drops, before the
/// socket is woken, everything that is not IP version 4/6 protocol 112, a VRRP v2/v3 advertisement (first byte 0x21 or
/// 0x31) for one of our VRIDs, and, in strict mode, with TTL / hop limit 255. IP header fields are read relative to the
/// network header (SKF_NET_OFF), so the program works for IPv4 raw sockets (data at the IP header) and IPv6 raw
/// sockets (data at the VRRP header) alike. The engine still checks everything itself; the filter only sheds load.
/// </summary>
internal static class VrrpSocketFilter
{
    /// <summary>More VRIDs than this: the VRID test is left out (one jump per VRID must stay within 8-bit offsets).</summary>
    public const int MaxFilteredVrids = 64;

    private const int SkfNetOff = -0x100000;
    private const ushort LdB_Abs = 0x30;   // BPF_LD | BPF_B | BPF_ABS
    private const ushort LdB_Ind = 0x50;   // BPF_LD | BPF_B | BPF_IND
    private const ushort LdxB_Msh = 0xb1;  // BPF_LDX | BPF_B | BPF_MSH: X = 4 * (pkt[k] & 0xf)
    private const ushort Ldx_Imm = 0x01;   // BPF_LDX | BPF_W | BPF_IMM
    private const ushort And_K = 0x54;     // BPF_ALU | BPF_AND | BPF_K
    private const ushort Jeq_K = 0x15;     // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort Ret_K = 0x06;     // BPF_RET | BPF_K

    /// <summary>One <c>struct sock_filter</c> instruction.</summary>
    internal readonly record struct Instruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

    /// <summary>The program for the family, TTL strictness and VRIDs (empty = any VRID).</summary>
    public static Instruction[] Build(bool isIPv6, bool strictTtl, ReadOnlySpan<byte> vrids)
    {
        bool filterVrids = vrids.Length is > 0 and <= MaxFilteredVrids;
        var checks = new List<(ushort Code, uint K, bool IsTest)>
        {
            // IP version.
            (LdB_Abs, unchecked((uint)(SkfNetOff + 0)), false),
            (And_K, 0xF0, false),
            (Jeq_K, isIPv6 ? 0x60u : 0x40u, true),
            // Protocol / next header 112 (an IPv6 extension header in front makes it fail: VRRP never has one).
            (LdB_Abs, unchecked((uint)(SkfNetOff + (isIPv6 ? 6 : 9))), false),
            (Jeq_K, 112, true),
        };

        if (strictTtl)
        {
            checks.Add((LdB_Abs, unchecked((uint)(SkfNetOff + (isIPv6 ? 7 : 8))), false));
            checks.Add((Jeq_K, 255, true));
        }

        var program = new List<Instruction>();
        var dropJumps = new List<int>();
        foreach (var (code, k, isTest) in checks)
        {
            if (isTest)
            {
                dropJumps.Add(program.Count);
            }

            program.Add(new Instruction(code, 0, 0, k));
        }

        // X = offset of the VRRP header in the data the filter sees (IPv4: after the IP header; IPv6: 0).
        program.Add(isIPv6 ? new Instruction(Ldx_Imm, 0, 0, 0) : new Instruction(LdxB_Msh, 0, 0, 0));

        // Version/type: 0x31 (v3 advert) or 0x21 (v2 advert).
        program.Add(new Instruction(LdB_Ind, 0, 0, 0));
        int typeV3 = program.Count;
        program.Add(new Instruction(Jeq_K, 0, 0, 0x31));
        dropJumps.Add(program.Count);
        program.Add(new Instruction(Jeq_K, 0, 0, 0x21));
        int afterType = program.Count;
        program[typeV3] = program[typeV3] with { JumpTrue = (byte)(afterType - typeV3 - 1) };

        var acceptJumps = new List<int>();
        if (filterVrids)
        {
            program.Add(new Instruction(LdB_Ind, 0, 0, 1));
            foreach (byte vrid in vrids)
            {
                acceptJumps.Add(program.Count);
                program.Add(new Instruction(Jeq_K, 0, 0, vrid));
            }
        }
        else
        {
            // No VRID test: a packet that passed the type test is accepted.
            program.Add(new Instruction(Ret_K, 0, 0, 0x40000));
        }

        int drop = program.Count;
        program.Add(new Instruction(Ret_K, 0, 0, 0));
        if (filterVrids)
        {
            int accept = program.Count;
            program.Add(new Instruction(Ret_K, 0, 0, 0x40000));
            foreach (int i in acceptJumps)
            {
                program[i] = program[i] with { JumpTrue = (byte)(accept - i - 1) };
            }
        }

        // Tests jump to drop when false (the last VRID test falls through into drop).
        foreach (int i in dropJumps)
        {
            program[i] = program[i] with { JumpFalse = (byte)(drop - i - 1) };
        }

        return [.. program];
    }

    /// <summary>Serialises the program as the kernel's array of <c>struct sock_filter</c> (8 bytes each, host order).</summary>
    public static byte[] ToBytes(Instruction[] program)
    {
        var bytes = new byte[program.Length * 8];
        for (int i = 0; i < program.Length; i++)
        {
            var span = bytes.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(span, program[i].Code);
            span[2] = program[i].JumpTrue;
            span[3] = program[i].JumpFalse;
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], program[i].K);
        }

        return bytes;
    }

    /// <summary>
    /// Runs the program over <paramref name="network"/> (the packet from its IP header) the way the kernel would for
    /// this family's raw socket; for tests. Returns true when the packet is accepted.
    /// </summary>
    public static bool Run(Instruction[] program, ReadOnlySpan<byte> network, bool isIPv6)
    {
        int dataOffset = isIPv6 ? 40 : 0; // IPv6 raw sockets see the data from the VRRP header
        uint a = 0, x = 0;
        for (int pc = 0; pc < program.Length; pc++)
        {
            var ins = program[pc];
            switch (ins.Code)
            {
                case LdB_Abs:
                {
                    int k = unchecked((int)ins.K);
                    int at = k < 0 ? k - SkfNetOff : k + dataOffset;
                    if ((uint)at >= (uint)network.Length)
                    {
                        return false;
                    }

                    a = network[at];
                    break;
                }

                case LdB_Ind:
                {
                    int at = dataOffset + (int)x + (int)ins.K;
                    if ((uint)at >= (uint)network.Length)
                    {
                        return false;
                    }

                    a = network[at];
                    break;
                }

                case LdxB_Msh:
                    x = (uint)(4 * (network[dataOffset + (int)ins.K] & 0xF));
                    break;
                case Ldx_Imm:
                    x = ins.K;
                    break;
                case And_K:
                    a &= ins.K;
                    break;
                case Jeq_K:
                    pc += a == ins.K ? ins.JumpTrue : ins.JumpFalse;
                    break;
                case Ret_K:
                    return ins.K != 0;
                default:
                    return false;
            }
        }

        return false;
    }
}
