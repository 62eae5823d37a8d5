#!/usr/bin/env bash
# Chaos harness (issue #15): 3 routers in a namespace lab, random faults from a seed, invariants checked continuously
# and after each fault heals. See docs/chaos.md.
#
#   eng/chaos/run.sh --seed N --faults N [--kind ours|mixed|keepalived] [--out DIR] [--only KIND,...] [--no-build]
#
# Exit 0: no invariant violated, nothing leaked; 1: violations (DIR/violations.txt, logs, chaos.pcap kept);
# 2 usage; 3 environment. Needs root, iproute2, nftables, tcpdump, stress-ng, keepalived (mixed/keepalived kinds).
# Removes its namespaces and children on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "chaos: needs root" >&2; exit 3; }
build=true args=()
for a in "$@"; do [ "$a" = --no-build ] && build=false || args+=("$a"); done
$build && dotnet build eng/chaos/VirtualIp.Chaos -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
id="ch$(printf '%04x' $(( $$ & 0xffff )))"

# Belt and braces if the harness itself is killed: kill what still runs in its namespaces, then delete them.
. eng/lab/cleanup.sh
trap 'lab_cleanup "$id"' EXIT

dotnet eng/chaos/VirtualIp.Chaos/bin/Release/net10.0/VirtualIp.Chaos.dll --lab-id "$id" "${args[@]}"
