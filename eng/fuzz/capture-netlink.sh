#!/usr/bin/env bash
# Captures the netlink target's seeds: the kernel's real answers to our requests, in a throw-away network namespace
# (a loopback and a veth pair, test addresses only), written to eng/fuzz/corpus/netlink/. Root only.
# Run once when the netlink parsers change; the files are committed (see eng/fuzz/corpus/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=eng/fuzz/corpus/netlink
ns=vipfuzz-nl-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
dotnet build eng/fuzz/VirtualIp.Fuzz/VirtualIp.Fuzz.csproj -c Release -nologo -v q -clp:ErrorsOnly
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add d0 type veth peer name d1
ip -n "$ns" link set d0 up
ip -n "$ns" addr add 198.51.100.1/24 dev d0
ip -n "$ns" addr add 2001:db8:1::1/64 dev d0 nodad
rm -rf "$out"; mkdir -p "$out"
ip netns exec "$ns" dotnet eng/fuzz/VirtualIp.Fuzz/bin/Release/net10.0/VirtualIp.Fuzz.dll capture-netlink "$out"
